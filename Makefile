# make app   - set up on first use, then open the desktop app on the bundled demo township
# make test  - set up on first use, then run the whole test suite
VENV ?= .venv

.PHONY: setup app test demo clean

setup:
	@bash scripts/setup.sh

app: setup
	@$(VENV)/bin/fireriskmap

test: setup
	@QT_QPA_PLATFORM=offscreen $(VENV)/bin/python -m pytest -q

demo: setup
	@$(VENV)/bin/fireriskmap demo data/demo_township.gpkg --force

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
