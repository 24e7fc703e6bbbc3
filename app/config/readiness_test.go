package config

import (
	"errors"
	"strings"
	"testing"
)

func TestReadinessURL(t *testing.T) {
	for listen, want := range map[string]string{
		"":               "http://127.0.0.1:8080/readyz", // serve's default, :8080
		":9000":          "http://127.0.0.1:9000/readyz",
		"0.0.0.0:8080":   "http://127.0.0.1:8080/readyz",
		"[::]:8080":      "http://[::1]:8080/readyz",
		"10.1.2.3:80":    "http://10.1.2.3:80/readyz",
		"localhost:8081": "http://localhost:8081/readyz",
		"[fd00::5]:8080": "http://[fd00::5]:8080/readyz",
	} {
		u, err := ReadinessURL(envOf(map[string]string{"COMPOSEGUARD_LISTEN": listen}))
		if err != nil || u.String() != want {
			t.Errorf("COMPOSEGUARD_LISTEN=%q: %v, %v; want %s", listen, u, err, want)
		}
	}
	_, err := ReadinessURL(envOf(map[string]string{"COMPOSEGUARD_LISTEN": "localhost"}))
	var bad *Error
	if !errors.As(err, &bad) || bad.Env != "COMPOSEGUARD_LISTEN" || !strings.Contains(err.Error(), "host:port") {
		t.Errorf("a listen address without a port: %v", err)
	}
}
