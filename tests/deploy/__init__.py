"""The server deployment on a throwaway PostgreSQL server."""
