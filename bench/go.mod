module github.com/fanout-dev/fanout/bench

go 1.26.0

require (
	github.com/alitto/pond/v2 v2.7.1
	github.com/fanout-dev/fanout v0.0.0
	github.com/panjf2000/ants/v2 v2.12.1
	github.com/sourcegraph/conc v0.3.0
	golang.org/x/sync v0.25.0
)

require (
	github.com/ebitengine/purego v0.11.3 // indirect
	github.com/gen2brain/avif v0.4.4 // indirect
	github.com/gen2brain/webp v0.5.5 // indirect
	github.com/soniakeys/quant v1.0.0 // indirect
	github.com/tetratelabs/wazero v1.9.0 // indirect
	go.uber.org/atomic v1.7.0 // indirect
	go.uber.org/multierr v1.9.0 // indirect
	golang.org/x/image v0.47.0 // indirect
)

replace github.com/fanout-dev/fanout => ../
