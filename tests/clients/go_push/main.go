// go_push: a client_golang pusher for flowgate's tests. It builds one fixed
// registry (every metric type, UTF-8 and escape-worthy label values, a native
// histogram with exemplars) and either dumps it or pushes it.
//
//	go_push dump --text FILE                      protobuf-delimited body on stdout, text 0.0.4 in FILE
//	go_push push --url U --job J [--grouping k=v]... [--add] [--delete] [--format protobuf|text]
//	             [--value V] [--header "Name: value"]...
//
// With --value the pushed registry is the small one the Python and C++ pushers
// push instead (see valueRegistry); --header adds a request header.
//
// Every value below is mirrored by tests/exposition/protobuf_go_client_test.cpp;
// change both together.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

func registry() *prometheus.Registry {
	reg := prometheus.NewRegistry()

	counter := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "flowgate_go_tasks_total",
		Help: "Tasks run, with a \\ backslash and\na newline in HELP.",
	}, []string{"flow", "state"})
	counter.WithLabelValues("étl-日本", "ok").Add(42)
	counter.WithLabelValues("quote\"back\\slash\nnewline", "failed").Add(3)
	counter.WithLabelValues("exemplar", "ok").(prometheus.ExemplarAdder).AddWithExemplar(
		1.5, prometheus.Labels{"trace_id": "abc123"})
	reg.MustRegister(counter)

	gauge := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "flowgate_go_queue_depth",
		Help:        "Queue depth.",
		ConstLabels: prometheus.Labels{"queue": "default"},
	})
	gauge.Set(-12.25)
	reg.MustRegister(gauge)

	summary := prometheus.NewSummary(prometheus.SummaryOpts{
		Name:       "flowgate_go_duration_seconds",
		Help:       "Task durations.",
		Objectives: map[float64]float64{0.5: 0.05, 0.9: 0.01},
	})
	for _, v := range []float64{1, 2, 3, 4} {
		summary.Observe(v)
	}
	reg.MustRegister(summary)

	classic := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "flowgate_go_payload_bytes",
		Help:    "Payload sizes.",
		Buckets: []float64{100, 1000, 10000},
	})
	for _, v := range []float64{50, 500, 5000, 50000} {
		classic.Observe(v)
	}
	reg.MustRegister(classic)

	native := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:                        "flowgate_go_latency_seconds",
		Help:                        "Latencies, native and classic.",
		Buckets:                     []float64{0.1, 1},
		NativeHistogramBucketFactor: 1.1,
	})
	for _, v := range []float64{0, 0.05, 0.5, 0.5, 2, -3} {
		native.Observe(v)
	}
	native.(prometheus.ExemplarObserver).ObserveWithExemplar(0.25, prometheus.Labels{"trace_id": "def456"})
	reg.MustRegister(native)

	return reg
}

// valueRegistry: what tests/clients/python and cpp_push push for --value V, so
// an aggregation test can add up every client's pushes the same way: gauge
// go_push_gauge=V, counter go_push_events_total=V and histogram
// go_push_duration_seconds (bounds 0.5, 1, 5) with one observation V.
func valueRegistry(value float64) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	gauge := prometheus.NewGauge(prometheus.GaugeOpts{Name: "go_push_gauge", Help: "Value given on the command line."})
	gauge.Set(value)
	counter := prometheus.NewCounter(prometheus.CounterOpts{Name: "go_push_events_total", Help: "Incremented by the value."})
	counter.Add(value)
	histogram := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "go_push_duration_seconds", Help: "One observation of the value.", Buckets: []float64{0.5, 1, 5},
	})
	histogram.Observe(value)
	reg.MustRegister(gauge, counter, histogram)
	return reg
}

func dump(args []string) error {
	fs := flag.NewFlagSet("dump", flag.ContinueOnError)
	textPath := fs.String("text", "", "file for the text 0.0.4 rendering")
	if err := fs.Parse(args); err != nil {
		return err
	}
	families, err := registry().Gather()
	if err != nil {
		return err
	}
	if err := encode(os.Stdout, families, expfmt.FmtProtoDelim); err != nil {
		return err
	}
	if *textPath == "" {
		return nil
	}
	text, err := os.Create(*textPath)
	if err != nil {
		return err
	}
	defer text.Close()
	return encode(text, families, expfmt.FmtText)
}

func encode(w *os.File, families []*dto.MetricFamily, format expfmt.Format) error {
	enc := expfmt.NewEncoder(w, format)
	for _, mf := range families {
		if err := enc.Encode(mf); err != nil {
			return err
		}
	}
	return nil
}

type groupingFlags []string

func (g *groupingFlags) String() string     { return strings.Join(*g, ",") }
func (g *groupingFlags) Set(v string) error { *g = append(*g, v); return nil }

func pushCommand(args []string) error {
	fs := flag.NewFlagSet("push", flag.ContinueOnError)
	url := fs.String("url", "", "Pushgateway base URL, e.g. http://127.0.0.1:9091")
	job := fs.String("job", "", "job label")
	add := fs.Bool("add", false, "POST (add) instead of PUT (replace)")
	del := fs.Bool("delete", false, "DELETE the group instead of pushing")
	format := fs.String("format", "protobuf", "body format: protobuf or text")
	value := fs.String("value", "", "push the small registry of valueRegistry with this value")
	var grouping, headers groupingFlags
	fs.Var(&grouping, "grouping", "grouping label k=v (repeatable)")
	fs.Var(&headers, "header", "request header \"Name: value\" (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" || *job == "" {
		return errors.New("push needs --url and --job")
	}
	gatherer := registry()
	if *value != "" {
		v, err := strconv.ParseFloat(*value, 64)
		if err != nil {
			return fmt.Errorf("--value %q: %w", *value, err)
		}
		gatherer = valueRegistry(v)
	}
	pusher := push.New(*url, *job).Gatherer(gatherer)
	if len(headers) > 0 {
		header := http.Header{}
		for _, line := range headers {
			name, v, ok := strings.Cut(line, ":")
			if !ok {
				return fmt.Errorf("--header %q is not \"Name: value\"", line)
			}
			header.Add(strings.TrimSpace(name), strings.TrimSpace(v))
		}
		pusher = pusher.Header(header)
	}
	switch *format {
	case "protobuf":
		pusher = pusher.Format(expfmt.FmtProtoDelim)
	case "text":
		pusher = pusher.Format(expfmt.FmtText)
	default:
		return fmt.Errorf("unknown --format %q", *format)
	}
	for _, kv := range grouping {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("--grouping %q is not k=v", kv)
		}
		pusher = pusher.Grouping(k, v)
	}
	switch {
	case *del:
		return pusher.Delete()
	case *add:
		return pusher.Add()
	default:
		return pusher.Push()
	}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: go_push dump --text FILE | push --url U --job J [--grouping k=v]... [--add] [--delete] [--value V] [--header \"Name: value\"]...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "dump":
		err = dump(os.Args[2:])
	case "push":
		err = pushCommand(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "go_push:", err)
		os.Exit(1)
	}
}
