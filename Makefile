# msgscope: see README.md. `make demo` and `make test` are the quick start.
SWIFT ?= swift
SAMPLE ?= captures/shared/urpc_a_basic_session.pcap

.PHONY: setup build release demo test bench-codec fuzz-codec clean captures

setup:
	bash scripts/setup.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

# The main job on a shipped sample capture.
demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

bench-codec: setup
	bash bench/codec.sh

# libFuzzer + ASan on the codec for SECONDS (default 60).
fuzz-codec:
	bash scripts/fuzz-libfuzzer.sh codec $${SECONDS:-60}

clean:
	rm -rf .build

# Re-record captures/sim/ (tcpdump on lo: needs root).
captures:
	bash scripts/record-captures.sh
