// Reads a text 0.0.4 body on stdin with prometheus/common's expfmt parser
// and writes it back with expfmt's writer, families in the order of the
// input's TYPE lines: the Pushgateway's own round trip, for byte-for-byte
// comparison with flowgate's text writer.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/prometheus/common/expfmt"
)

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "read:", err)
		os.Exit(1)
	}
	var parser expfmt.TextParser
	families, err := parser.TextToMetricFamilies(bytes.NewReader(in))
	if err != nil {
		fmt.Fprintln(os.Stderr, "expfmt rejected the body:", err)
		os.Exit(1)
	}
	var out bytes.Buffer
	for _, line := range strings.Split(string(in), "\n") {
		if !strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		family, ok := families[strings.Fields(line)[2]]
		if !ok {
			fmt.Fprintln(os.Stderr, "expfmt lost the family of:", line)
			os.Exit(1)
		}
		if _, err := expfmt.MetricFamilyToText(&out, family); err != nil {
			fmt.Fprintln(os.Stderr, "expfmt write:", err)
			os.Exit(1)
		}
	}
	os.Stdout.Write(out.Bytes())
}
