package github

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/composeguard/composeguard/app/forge"
)

// webURL is the site's address for people, ending in "/": github.com for
// api.github.com, and an Enterprise Server's host for its /api/v3/.
func (c *Client) webURL() string {
	if u, err := url.Parse(c.baseURL); err == nil && u.Host == "api.github.com" {
		return "https://github.com/"
	}
	return strings.TrimSuffix(c.baseURL, "api/v3/")
}

// graphQLURL is the GraphQL endpoint: beside the REST API on github.com,
// at /api/graphql on an Enterprise Server.
func (c *Client) graphQLURL() string {
	if base, ok := strings.CutSuffix(c.baseURL, "api/v3/"); ok {
		return base + "api/graphql"
	}
	return c.baseURL + "graphql"
}

// FileURL links to line of path at commit sha on GitHub's web pages.
func (c *Client) FileURL(repo forge.Repo, sha, path string, line int) string {
	segments := strings.Split(path, "/")
	for i, s := range segments {
		segments[i] = url.PathEscape(s)
	}
	u := fmt.Sprintf("%s%s/%s/blob/%s/%s", c.webURL(), url.PathEscape(repo.Owner), url.PathEscape(repo.Name), url.PathEscape(sha), strings.Join(segments, "/"))
	if line > 0 {
		u += fmt.Sprintf("#L%d", line)
	}
	return u
}
