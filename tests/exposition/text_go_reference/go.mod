module flowgate.test/text_go_reference

go 1.21

require github.com/prometheus/common v0.62.0
