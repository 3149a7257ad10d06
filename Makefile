# Benchmarks, in the test module (tests/bench). mattn/go-sqlite3 cannot be
# linked beside libSQL, so each side is its own binary (bench-mattn is its
# own Go module); benchtable runs them in interleaved rounds and prints the
# comparison table. Binaries and results go to bin/ at the repository root.

GO ?= go
ROUNDS ?= 3
SCALE ?= 1
BENCHTABLE_FLAGS ?=
MICRO ?= .
COUNT ?= 6
LATENCY ?= 0s

.PHONY: bench bench-remote bench-bins bench-micro

bench: bench-bins
	cd tests && $(GO) run ./bench/cmd/benchtable -libsql ../bin/bench-libsql -mattn ../bin/bench-mattn \
		-rounds $(ROUNDS) -scale $(SCALE) -out ../bin/bench-results.jsonl $(BENCHTABLE_FLAGS)

# Adds the remote and embedded-replica backends against a local sqld
# (scripts/install-sqld.sh), with LATENCY added to every request.
bench-remote: bench-bins
	cd tests && $(GO) run ./bench/cmd/benchtable -libsql ../bin/bench-libsql -mattn ../bin/bench-mattn \
		-rounds $(ROUNDS) -scale $(SCALE) -sqld-url auto -latency $(LATENCY) -out ../bin/bench-results.jsonl $(BENCHTABLE_FLAGS)

bench-bins:
	cd tests && $(GO) build -o ../bin/bench-libsql ./bench/cmd/bench-libsql
	cd tests/bench/cmd/bench-mattn && $(GO) build -o ../../../../bin/bench-mattn .

# Micro-benchmarks of the hot paths, for benchstat: make bench-micro > new.txt
bench-micro:
	$(GO) test -run '^$$' -bench '$(MICRO)' -benchmem -count $(COUNT) ./internal/driver/ .
