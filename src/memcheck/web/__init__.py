"""memcheck serve: a page and a JSON API over the same judging as the command line."""
