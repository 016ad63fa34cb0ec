"""Routes are added with the pages."""
