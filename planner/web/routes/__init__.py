"""The app's pages and their JSON twins under ``/api``, one module per part of the app."""
