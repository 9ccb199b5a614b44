# Two commands do everything on a fresh Debian/Ubuntu machine with Python 3.11+:
#   make run    install into .venv and start the server on the embedded defaults
#   make test   install what the tests need and run the whole suite
.PHONY: run test lint

run:
	@scripts/bootstrap.sh
	.venv/bin/reception run

test:
	@scripts/bootstrap.sh --dev
	@scripts/test-services.sh
	.venv/bin/python -m pytest $(PYTEST_ARGS)

lint:
	@scripts/bootstrap.sh --dev
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/lint-imports
