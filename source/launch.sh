#!/bin/sh
# The `berth` command. A command starts node from berth's start-up snapshot (dist/berth.blob,
# the CLI already loaded), which saves most of node's module loading; the terminal UI, and a
# node installed after the snapshot was made, start from dist/cli.js.

# node reads NODE_EXTRA_CA_CERTS at every start, 40 ms for a system bundle: berth takes the file
# as BERTH_EXTRA_CA_CERTS and reads it only to reach a registry.
if [ -n "$NODE_EXTRA_CA_CERTS" ]; then
	export BERTH_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"
	unset NODE_EXTRA_CA_CERTS
fi

self=$(readlink -f "$0")
dist=${self%/*}/../dist
node=$(command -v node)
if [ $# -gt 0 ] && [ -f "$dist/berth.blob" ] && ! [ "$node" -nt "$dist/berth.blob" ]; then
	# `--`: the arguments are berth's, even those node has options of its own for (--help, --version).
	exec "$node" --snapshot-blob "$dist/berth.blob" -- "$@"
fi

exec "$node" "$dist/cli.js" "$@"
