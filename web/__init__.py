"""The server-rendered pages (Jinja2 and htmx); they share the domain and its rules with the API."""
