# msgscope: see README.md. `make demo` and `make test` are the quick start.
SWIFT ?= swift
SAMPLE ?= captures/shared/urpc_a_basic_session.pcap

.PHONY: setup build release demo test bench-codec fuzz-codec fuzz-dissector clean captures install uninstall oss-fuzz-local

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

# Install the binaries, man pages, shell completions and the Wireshark plugin (scripts/install.sh).
# make install PREFIX=$HOME/.local; the plugin goes under PREFIX when PREFIX is given, else into
# the personal plugin folder ~/.local/lib/wireshark/plugins.
PREFIX ?= /usr/local
ifeq ($(origin PREFIX),command line)
WIRESHARK_PLUGIN_DIR ?= $(PREFIX)/lib/wireshark/plugins
else
WIRESHARK_PLUGIN_DIR ?= $(HOME)/.local/lib/wireshark/plugins
endif
install: setup
	bash scripts/install.sh install "$(PREFIX)" "$(WIRESHARK_PLUGIN_DIR)"

uninstall:
	bash scripts/install.sh uninstall "$(PREFIX)" "$(WIRESHARK_PLUGIN_DIR)"

# The OSS-Fuzz build run locally (no Docker), then 10 s of each target from its seeds.
oss-fuzz-local:
	bash scripts/oss-fuzz-local.sh
