package github

import (
	"context"
	"errors"
	"net/http"
	"strings"

	gh "github.com/google/go-github/v88/github"

	"github.com/composeguard/composeguard/app/forge"
)

var _ forge.Identity = (*Client)(nil)

// viewerQuery asks whose token it is; unlike GET /user, it answers an
// installation token too (a workflow's GITHUB_TOKEN).
const viewerQuery = `query { viewer { login } }`

// Login is the account the client writes as, as REST spells the authors
// of comments: for a GitHub App its bot, "<slug>[bot]" (GET /app); for a
// token its user (GET /user), or, for an installation token, which GET
// /user refuses, GraphQL's viewer as a bot. It is asked once.
func (c *Client) Login(ctx context.Context) (string, error) {
	return c.login.Get(func() (string, error) { return c.askLogin(ctx) })
}

func (c *Client) askLogin(ctx context.Context) (string, error) {
	if c.token == nil {
		api, err := c.appAPI()
		if err != nil {
			return "", err
		}
		app, _, err := api.Apps.Get(ctx, "")
		if err != nil {
			return "", fail(err, "read the GitHub App")
		}
		return app.GetSlug() + "[bot]", nil
	}
	user, _, err := c.token.Users.Get(ctx, "")
	if err == nil {
		return user.GetLogin(), nil
	}
	var resp *gh.ErrorResponse
	if !errors.As(err, &resp) || resp.Response == nil || resp.Response.StatusCode != http.StatusForbidden ||
		rateLimited(resp.Response.Header, resp.Message) {
		return "", fail(err, "read the token's user")
	}
	var data struct{ Viewer struct{ Login string } }
	if err := c.graphQLAs(ctx, c.token, viewerQuery, nil, &data); err != nil {
		return "", fail(err, "read the token's account")
	}
	if data.Viewer.Login == "" {
		return "", errors.New("github: GitHub named no account for the token")
	}
	// GraphQL names an App by its slug where REST says "slug[bot]".
	if !strings.HasSuffix(data.Viewer.Login, "[bot]") {
		return data.Viewer.Login + "[bot]", nil
	}
	return data.Viewer.Login, nil
}
