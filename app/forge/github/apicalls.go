package github

import (
	"net/http"

	"github.com/composeguard/composeguard/app/forge/forgekit"
)

// countCalls counts in calls every request base carries, token requests
// included, by the operation calls.go names; prefix is the API's path.
func countCalls(calls *forgekit.APICalls, base http.RoundTripper, prefix string) http.RoundTripper {
	return calls.Transport(base, "github", func(r *http.Request) string {
		if op, ok := recognise(r, prefix); ok {
			return op
		}
		return forgekit.OtherOperation
	})
}
