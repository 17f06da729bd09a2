// prometheus/common's expfmt as a reference for flowgate's text side.
//
//	text_go_reference            reads a text 0.0.4 body on stdin and writes it
//	                             back with expfmt's writer, families in the order
//	                             of the input's TYPE lines (the Pushgateway's
//	                             own round trip);
//	text_go_reference verdicts   reads "id<TAB>hex body" lines and prints
//	                             "id<TAB>OK", "id<TAB>ERR <line>" or
//	                             "id<TAB>PANIC" for each body.
package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/prometheus/common/expfmt"
)

func verdict(body []byte) (result string) {
	defer func() {
		if recover() != nil {
			result = "PANIC" // expfmt has crashed on some malformed bodies
		}
	}()
	var parser expfmt.TextParser
	_, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	var parseError expfmt.ParseError
	switch {
	case err == nil:
		return "OK"
	case errors.As(err, &parseError):
		return fmt.Sprintf("ERR %d", parseError.Line)
	default:
		return "ERR 0"
	}
}

func verdicts() {
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	for scanner.Scan() {
		id, encoded, _ := strings.Cut(scanner.Text(), "\t")
		body, err := hex.DecodeString(encoded)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad hex for", id)
			os.Exit(1)
		}
		fmt.Printf("%s\t%s\n", id, verdict(body))
	}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "verdicts" {
		verdicts()
		return
	}
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
