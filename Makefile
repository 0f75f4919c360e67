# msgscope: see README.md. `make demo` and `make test` are the quick start.
SWIFT ?= swift
SAMPLE ?= captures/shared/urpc_a_basic_session.pcap

.PHONY: setup build release demo test bench-codec fuzz-codec fuzz-dissector clean captures

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

# libFuzzer + ASan for FUZZ_SECONDS (default 60): make fuzz-codec FUZZ_SECONDS=600
FUZZ_SECONDS ?= 60
fuzz-codec:
	bash scripts/fuzz-libfuzzer.sh codec $(FUZZ_SECONDS)

fuzz-dissector:
	bash scripts/fuzz-libfuzzer.sh dissector $(FUZZ_SECONDS)

clean:
	rm -rf .build

# Re-record captures/sim/ (tcpdump on lo: needs root).
captures:
	bash scripts/record-captures.sh
