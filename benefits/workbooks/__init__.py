"""Workbooks finance works in: built here, returned as bytes for the API and the command line to hand out."""
