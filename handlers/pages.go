package handlers

import (
	"bytes"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/composeguard/composeguard/checks"
	"github.com/composeguard/composeguard/templates"
)

// page renders one of the templates' pages with status code. The page is
// rendered whole before anything is sent, so a template error is a 500,
// not half a page.
func page(c echo.Context, code int, name string, data any) error {
	var b bytes.Buffer
	if err := templates.RenderPage(&b, name, data); err != nil {
		return err
	}
	h := c.Response().Header()
	// The pages run no script and are framed by nobody.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self' https:; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	return c.HTMLBlob(code, b.Bytes())
}

// notFound is the plain 404 every page route answers for what it does not
// serve.
func notFound(c echo.Context) error { return c.String(http.StatusNotFound, "not found\n") }

// rulesIndex lists every rule, from the registry checks/README.md is
// generated from.
func rulesIndex(c echo.Context) error {
	return page(c, http.StatusOK, "rules.html.tmpl", struct {
		SeverityPolicy string
		Rules          []*checks.Rule
	}{checks.SeverityPolicy, checks.All()})
}

// rulePage documents one rule, as its section of checks/README.md does.
func rulePage(c echo.Context) error {
	r := checks.Get(c.Param("id"))
	if r == nil {
		return notFound(c)
	}
	return page(c, http.StatusOK, "rule.html.tmpl", r)
}
