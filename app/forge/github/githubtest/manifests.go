package githubtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"strings"
)

// ConfirmManifest stands for an operator confirming an App manifest named
// name on GitHub's page: it returns the code GitHub appends to the
// manifest's redirect URL, which POST /app-manifests/{code}/conversions
// exchanges once for the App's credentials.
func (f *Fake) ConfirmManifest(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	code := randomHex(10)
	f.manifests[code] = name
	return code
}

// ManifestApp is an App the fake registered from a manifest.
type ManifestApp struct {
	ID            int64
	Name, Slug    string
	PEM           string
	WebhookSecret string
	Key           *rsa.PrivateKey
}

// convertManifest answers as GitHub does: 201 with the new App and its
// secrets for a code, unauthenticated; a code is good once, else 404.
func (f *Fake) convertManifest(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &call{w: w, r: r, f: f}
	name, ok := f.manifests[r.PathValue("code")]
	if !ok {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	delete(f.manifests, r.PathValue("code"))
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		c.fail(http.StatusInternalServerError, err.Error())
		return
	}
	id := f.id()
	slug := strings.ToLower(strings.ReplaceAll(name, " ", "-"))
	f.converted = append(f.converted, ManifestApp{ID: id, Name: name, Slug: slug, Key: key,
		PEM:           string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		WebhookSecret: randomHex(20)})
	a := f.converted[len(f.converted)-1]
	c.json(http.StatusCreated, map[string]any{"id": a.ID, "slug": a.Slug, "name": a.Name, "node_id": "A_" + slug,
		"owner": map[string]any{"login": "octo-org"}, "html_url": "https://github.com/apps/" + slug,
		"client_id": "Iv1." + randomHex(8), "client_secret": randomHex(20), "webhook_secret": a.WebhookSecret, "pem": a.PEM})
}

// Converted lists the Apps registered from manifests.
func (f *Fake) Converted() []ManifestApp {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ManifestApp(nil), f.converted...)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
