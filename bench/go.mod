module github.com/fanout-dev/fanout/bench

go 1.26.0

require github.com/fanout-dev/fanout v0.0.0

replace github.com/fanout-dev/fanout => ../
