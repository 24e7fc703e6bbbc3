package githubtest

import (
	"cmp"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	jwt "github.com/golang-jwt/jwt/v4"
)

// GitHub's rules for an App's JWT and its installation tokens
// (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app).
const (
	maxJWTLifetime = 10 * time.Minute
	jwtClockSkew   = time.Minute
	tokenLifetime  = time.Hour
)

type app struct {
	id  int64
	key *rsa.PublicKey
}

// grant is what a token lets its bearer do.
type grant struct {
	installation int64 // 0: every repository
	login        string
	expires      time.Time // zero: never
	personal     bool      // a person's token, refused check run writes
}

// AppKey is a GitHub App's private key, one for a whole test run:
// generating one takes a while. SetApp takes its public half.
var AppKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// AppKeyPEM is AppKey as GitHub hands it out, PEM.
func AppKeyPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(AppKey())})
}

// SetApp registers the GitHub App whose JWTs, signed with the private half
// of key, may create installation tokens.
func (f *Fake) SetApp(id int64, key *rsa.PublicKey) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.app = app{id: id, key: key}
}

// AllowToken accepts token for every repository, as a GITHUB_TOKEN or a
// personal token.
func (f *Fake) AllowToken(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.grants[token] = grant{login: TokenLogin}
}

// AllowPersonalToken accepts token as login's personal access token, for
// every repository. Like GitHub it may not write check runs, which only
// Apps may: those requests get 403 "You must authenticate via a GitHub App."
// (https://docs.github.com/en/rest/checks/runs#create-a-check-run). Reading
// them it may, as GitHub lets a token with the repo scope.
func (f *Fake) AllowPersonalToken(token, login string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.grants[token] = grant{login: login, personal: true}
}

// SetTokenLifetime makes the installation tokens issued from now on live d
// instead of GitHub's hour: with a minute, a client refreshes its token
// before every request, as if an hour passed between any two.
func (f *Fake) SetTokenLifetime(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenLifetime = d
}

// TokensIssued is how many installation tokens the fake created for
// installation.
func (f *Fake) TokensIssued(installation int64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.issued[installation]
}

// authorize finds the grant of the request's "token X" or "Bearer X".
func (f *Fake) authorize(r *http.Request) (grant, bool) {
	g, ok := f.grants[credential(r)]
	if !ok || !g.expires.IsZero() && time.Now().After(g.expires) {
		return grant{}, false
	}
	return g, true
}

func credential(r *http.Request) string {
	scheme, value, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "token") || strings.EqualFold(scheme, "bearer") {
		return value
	}
	return ""
}

// getUser answers a person's token with its user; GitHub refuses an
// installation token (a workflow's GITHUB_TOKEN), which has no user
// (https://docs.github.com/en/rest/users/users#get-the-authenticated-user).
func (f *Fake) getUser(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &call{w: w, r: r, f: f}
	g, ok := f.authorize(r)
	switch {
	case !ok:
		c.fail(http.StatusUnauthorized, "Bad credentials")
	case !g.personal:
		c.fail(http.StatusForbidden, "Resource not accessible by integration")
	default:
		c.json(http.StatusOK, map[string]any{"login": g.login, "type": "User"})
	}
}

// createToken verifies the App's JWT and issues an installation token.
func (f *Fake) createToken(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &call{w: w, r: r, f: f}
	if msg := f.verifyJWT(credential(r)); msg != "" {
		c.fail(http.StatusUnauthorized, msg)
		return
	}
	id, ok := c.number("installation_id")
	if !ok {
		return
	}
	if !f.installed(id) {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	token := "ghs_" + rand.Text()
	expires := time.Now().Add(cmp.Or(f.tokenLifetime, tokenLifetime)).Truncate(time.Second)
	f.grants[token] = grant{installation: id, login: AppLogin, expires: expires}
	f.issued[id]++
	c.json(http.StatusCreated, map[string]any{
		"token":                token,
		"expires_at":           expires.UTC().Format(time.RFC3339),
		"repository_selection": "all",
		"permissions": map[string]string{"checks": "write", "contents": "read", "issues": "write",
			"metadata": "read", "pull_requests": "write"},
	})
}

func (f *Fake) installed(id int64) bool {
	for _, r := range f.repos {
		if r.installation == id {
			return true
		}
	}
	return false
}

// verifyJWT returns GitHub's complaint about an App JWT, "" when it is good:
// RS256 by the App's key, issued by the App, unexpired, living 10 minutes at
// most.
func (f *Fake) verifyJWT(raw string) string {
	if f.app.key == nil {
		return "A JSON web token could not be decoded"
	}
	claims := &jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return f.app.key, nil },
		jwt.WithValidMethods([]string{"RS256"}))
	now := time.Now()
	switch {
	case err != nil:
		return "A JSON web token could not be decoded"
	case claims.Issuer != strconv.FormatInt(f.app.id, 10):
		return "Integration not found"
	case claims.ExpiresAt == nil || claims.IssuedAt == nil || !claims.ExpiresAt.After(now):
		return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
	case claims.IssuedAt.After(now.Add(jwtClockSkew)) || claims.ExpiresAt.Sub(claims.IssuedAt.Time) > maxJWTLifetime:
		return "'Expiration time' claim ('exp') is too far in the future"
	}
	return ""
}
