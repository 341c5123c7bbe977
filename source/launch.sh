#!/bin/sh
# The `berth` command. A command starts node from berth's start-up snapshot (dist/berth.blob,
# the CLI already loaded), which saves most of node's module loading; the terminal UI, and a
# node installed after the snapshot was made, start from dist/cli.js.
dist=$(dirname "$(readlink -f "$0")")/../dist
node=$(command -v node)
if [ $# -gt 0 ] && [ -f "$dist/berth.blob" ] && ! [ "$node" -nt "$dist/berth.blob" ]; then
	exec "$node" --snapshot-blob "$dist/berth.blob" "$@"
fi

exec "$node" "$dist/cli.js" "$@"
