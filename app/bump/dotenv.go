package bump

import (
	"bytes"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
)

// envValue is a .env variable as Compose reads it, and where its value is
// written when the file holds it verbatim (no escapes, no ${…} inside).
type envValue struct {
	value    string
	at       Span
	verbatim bool
}

// readEnv reads a project's .env with Compose's own parser, then finds each
// value's bytes on its line. Nil when there is no usable .env: Compose would
// then leave every variable unset.
func readEnv(file string, content []byte) map[string]envValue {
	values, err := dotenv.ParseWithLookup(bytes.NewReader(content), func(string) (string, bool) { return "", false })
	if err != nil {
		return nil
	}
	env := make(map[string]envValue, len(values))
	for k, v := range values {
		env[k] = envValue{value: v}
	}
	start := 0
	for n := 1; start < len(content); n++ {
		end := bytes.IndexByte(content[start:], '\n')
		if end < 0 {
			end = len(content)
		} else {
			end += start
		}
		if key, at, ok := envAssignment(content, start, end); ok {
			if e, found := env[key]; found {
				at.File, at.Line = file, n
				// A later line for the same key wins, as in Compose.
				e.at, e.verbatim = at, string(content[at.Start:at.End]) == e.value
				env[key] = e
			}
		}
		start = end + 1
	}
	return env
}

// envAssignment reads KEY=value, KEY: value or export KEY=value on the line
// content[start:end] and returns the span of the value between its quotes,
// or before an inline " #" comment when unquoted.
func envAssignment(content []byte, start, end int) (string, Span, bool) {
	line := string(content[start:end])
	body := strings.TrimLeft(line, " \t")
	if strings.HasPrefix(body, "export ") || strings.HasPrefix(body, "export\t") {
		body = strings.TrimLeft(body[len("export"):], " \t")
	}
	sep := strings.IndexAny(body, "=:")
	if sep <= 0 || strings.HasPrefix(body, "#") {
		return "", Span{}, false
	}
	key := strings.TrimRight(body[:sep], " \t")
	rest := body[sep+1:]
	valueStart := start + len(line) - len(rest)
	trimmed := strings.TrimLeft(rest, " \t")
	valueStart += len(rest) - len(trimmed)
	value := strings.TrimRight(trimmed, "\r")
	if value != "" && (value[0] == '"' || value[0] == '\'') {
		closing := strings.IndexByte(value[1:], value[0])
		if closing < 0 {
			return "", Span{}, false // a value over several lines
		}
		return key, Span{Start: valueStart + 1, End: valueStart + 1 + closing}, true
	}
	value, _, _ = strings.Cut(value, " #")
	value = strings.TrimRight(value, " \t")
	return key, Span{Start: valueStart, End: valueStart + len(value)}, true
}
