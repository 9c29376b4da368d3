"""`make bench`: the API under gunicorn against a bare-Django peer, side by side, with wrk."""
