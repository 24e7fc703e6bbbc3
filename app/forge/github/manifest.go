package github

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// ManifestApp is a GitHub App registered from a manifest, with its
// secrets.
type ManifestApp struct {
	ID                 int64
	Slug, Name, URL    string
	PEM, WebhookSecret string
}

// manifestTimeout bounds the one call of a setup page's request.
const manifestTimeout = 30 * time.Second

// manifestCode is what a code GitHub appends to the redirect looks like;
// anything else is refused before it reaches a URL path.
var manifestCode = regexp.MustCompile(`^[0-9A-Za-z_-]{1,128}$`)

// ConvertManifest exchanges the code of a confirmed App manifest for the
// App's id and secrets (POST /app-manifests/{code}/conversions, which needs
// no authentication), asking only the API at apiURL; GitHub takes each code
// once, within an hour.
func ConvertManifest(ctx context.Context, apiURL, code string) (ManifestApp, error) {
	if !manifestCode.MatchString(code) {
		return ManifestApp{}, errors.New("github: the manifest code is malformed")
	}
	api, err := (&Client{opts: Options{APIURL: apiURL, Timeout: manifestTimeout}}).newAPI(http.DefaultTransport)
	if err != nil {
		return ManifestApp{}, err
	}
	cfg, _, err := api.Apps.CompleteAppManifest(ctx, code)
	if err != nil {
		return ManifestApp{}, withoutCode{fail(err, "convert the App manifest"), code}
	}
	return ManifestApp{ID: cfg.GetID(), Slug: cfg.GetSlug(), Name: cfg.GetName(), URL: cfg.GetHTMLURL(),
		PEM: cfg.GetPEM(), WebhookSecret: cfg.GetWebhookSecret()}, nil
}

// withoutCode is an error of the conversion as the log shows it: the
// request's URL holds the code, which a failure that did not reach GitHub
// leaves good for the hour, to be exchanged for the App's private key.
type withoutCode struct {
	err  error
	code string
}

func (e withoutCode) Error() string { return strings.ReplaceAll(e.err.Error(), e.code, "CODE") }
func (e withoutCode) Unwrap() error { return e.err }
