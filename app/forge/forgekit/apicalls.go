package forgekit

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// OtherOperation names a request no client's list of operations knows,
// so the metric's labels stay a set the code bounds, never a path with
// names in it.
const OtherOperation = "other"

// APICalls counts the requests the forge clients send, by forge,
// operation (a route template) and status code; nil counts nothing.
type APICalls struct {
	requests *prometheus.CounterVec
}

// NewAPICalls registers the counter with reg.
func NewAPICalls(reg prometheus.Registerer) (*APICalls, error) {
	m := &APICalls{requests: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "composeguard_forge_requests_total",
		Help: "Forge API requests by forge, operation (GitHub's or GitLab's route template, \"other\" for one the client does not list) and status code (\"error\" when no answer came).",
	}, []string{"forge", "operation", "code"})}
	if err := reg.Register(m.requests); err != nil {
		return nil, err
	}
	return m, nil
}

// Transport counts each request next carries under forge, naming it with
// operation, which answers OtherOperation for a request it does not know.
func (m *APICalls) Transport(next http.RoundTripper, forge string, operation func(*http.Request) string) http.RoundTripper {
	if m == nil {
		return next
	}
	return &countingTransport{next: next, forge: forge, operation: operation, requests: m.requests}
}

type countingTransport struct {
	next      http.RoundTripper
	forge     string
	operation func(*http.Request) string
	requests  *prometheus.CounterVec
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	code := "error"
	if err == nil {
		code = strconv.Itoa(resp.StatusCode)
	}
	t.requests.WithLabelValues(t.forge, t.operation(r), code).Inc()
	return resp, err
}
