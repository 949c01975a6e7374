"""A row's Docker image, run rather than only built (`nox -s "images(row=...)"`).

expect.py says what the image must show (the commands run in it and the checks on their output),
engine.py talks to the Docker engine through the Docker SDK, sizes.py measures the image (or
estimates it from its wheels where no engine is at hand), and __main__.py ties them together.
"""
