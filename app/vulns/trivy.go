package vulns

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/composeguard/composeguard/app/registry"
)

// Bounds of what one Trivy process may make the server hold: its report
// (a report of critical and high vulnerabilities takes a few MB for the
// largest images) and the end of its error output, kept for the log.
const (
	MaxReport = 32 << 20
	maxStderr = 4 << 10
)

// passedEnv are the only variables of the server's environment a Trivy
// process gets: where to write temporary files, the proxy and the
// certificate authorities to reach registries through. Nothing else (the
// forge's and the database's secrets, cloud credentials Trivy would offer
// registries) ever reaches it.
var passedEnv = []string{"TMPDIR", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy",
	"SSL_CERT_FILE", "SSL_CERT_DIR"}

// args is the command line of a scan of ref. ref comes after "--", and
// Image.reference has made sure it is a name and a digest: nothing a
// repository wrote can become a flag.
func (s *Scanner) args(ref string) []string {
	args := []string{"image", "--format", "json", "--quiet", "--scanners", "vuln", "--severity", "CRITICAL,HIGH",
		// Pulled from the registry, never from a container engine the
		// server may reach.
		"--image-src", "remote",
		"--cache-dir", s.opts.CacheDir}
	if s.opts.Server != "" {
		args = append(args, "--server", s.opts.Server)
	}
	return append(args, "--", ref)
}

// env is the environment of a Trivy process whose home is home: an empty
// private folder, so no docker config.json, trivy.yaml or .trivyignore of
// the server's is read.
func (s *Scanner) env(home string) []string {
	env := []string{"HOME=" + home, "DOCKER_CONFIG=" + home}
	for _, kv := range s.opts.Environ {
		name, _, _ := strings.Cut(kv, "=")
		for _, passed := range passedEnv {
			if name == passed {
				env = append(env, kv)
			}
		}
	}
	// The server's token goes in the environment, which other users cannot
	// read, never on the command line, which ps shows.
	if s.opts.Token != "" {
		env = append(env, "TRIVY_TOKEN="+s.opts.Token)
	}
	return env
}

// trivy runs one scan of ref and reads its report.
func (s *Scanner) trivy(ctx context.Context, ref string) (*Report, error) {
	home, err := os.MkdirTemp("", "composeguard-trivy-")
	if err != nil {
		return nil, &NotScanned{Reason: "composeguard could not prepare the scan"}
	}
	defer os.RemoveAll(home)
	cmd := exec.CommandContext(ctx, s.opts.Trivy, s.args(ref)...)
	cmd.Dir, cmd.Env = home, s.env(home)
	stdout, stderr := &capped{max: MaxReport}, &tail{max: maxStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// A process that leaves a child holding its output open is not waited
	// for past this.
	cmd.WaitDelay = 2 * time.Second
	started := time.Now()
	err = cmd.Run()
	if err != nil || stdout.over {
		why := s.failure(ctx, err, stdout, stderr)
		s.opts.Logger.Warn("trivy: not scanned", "image", ref, "reason", why, "error", err,
			"stderr", registry.Redact(stderr.String()), "after", time.Since(started).Round(time.Millisecond))
		return nil, &NotScanned{Reason: why}
	}
	report, err := parseReport(stdout.buf.Bytes())
	if err != nil {
		s.opts.Logger.Warn("trivy: unreadable report", "image", ref, "reason", err, "bytes", stdout.buf.Len())
		return nil, err
	}
	s.opts.Logger.Debug("trivy: scanned", "image", ref, "vulnerabilities", len(report.Vulnerabilities),
		"after", time.Since(started).Round(time.Millisecond))
	return report, nil
}

// failure says why a Trivy process gave no report, in composeguard's words:
// Trivy's own output stays in the server's log.
func (s *Scanner) failure(ctx context.Context, err error, stdout *capped, stderr *tail) string {
	var exit *exec.ExitError
	switch {
	case stdout.over:
		return fmt.Sprintf("Trivy's report was larger than %d MiB", MaxReport>>20)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Sprintf("Trivy did not finish within %s", s.opts.Timeout)
	case ctx.Err() != nil:
		return "composeguard stopped the scan: it was shutting down"
	case !errors.As(err, &exit):
		return "Trivy could not be started"
	}
	out := stderr.String()
	for _, c := range []struct {
		says []string
		why  string
	}{
		{[]string{"UNAUTHORIZED", "DENIED", "401 Unauthorized", "403 Forbidden"},
			"the registry refused Trivy: composeguard scans images anyone may pull"},
		{[]string{"MANIFEST_UNKNOWN", "NAME_UNKNOWN", "404 Not Found"}, "Trivy could not find the image in its registry"},
		{[]string{"cache may be in use"}, "Trivy's cache was in use by another Trivy process"},
		{[]string{"invalid token", "unauthenticated"}, "the Trivy server refused composeguard's token"},
		{[]string{"twirp", "connection refused", "no such host"}, "Trivy could not reach its server or the registry"},
		{[]string{"DB error", "vulnerability DB", "database"}, "Trivy's vulnerability database is missing or could not be updated"},
	} {
		for _, says := range c.says {
			if strings.Contains(out, says) {
				return c.why
			}
		}
	}
	return fmt.Sprintf("Trivy failed (exit status %d)", exit.ExitCode())
}

// capped keeps what is written up to max bytes; past that it refuses
// more, which ends the copy from the process. It is no io.ReaderFrom (as
// an embedded bytes.Buffer would make it), so every byte passes Write.
type capped struct {
	buf  bytes.Buffer
	max  int
	over bool
}

var errTooLarge = errors.New("output too large")

func (c *capped) Write(p []byte) (int, error) {
	if c.buf.Len()+len(p) > c.max {
		c.over = true
		return 0, errTooLarge
	}
	return c.buf.Write(p)
}

// tail keeps the last max bytes written.
type tail struct {
	buf []byte
	max int
}

func (t *tail) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tail) String() string { return string(t.buf) }
