from devtools.cli import app

app()
