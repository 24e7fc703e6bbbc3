package github

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/bradleyfalzon/ghinstallation/v2"
	gh "github.com/google/go-github/v88/github"

	"github.com/composeguard/composeguard/app/forge"
)

// errNeedsApp is returned for what only a GitHub App can ask: which
// installations it has.
var errNeedsApp = errors.New("github: scheduled bump pull requests need a GitHub App (COMPOSEGUARD_APP_ID), not a token")

// appAPI returns a client authenticated as the App itself (a JWT), for the
// /app endpoints.
func (c *Client) appAPI() (*gh.Client, error) {
	if c.appKey == nil {
		return nil, errNeedsApp
	}
	apps := ghinstallation.NewAppsTransportFromPrivateKey(c.counter, c.opts.AppID, c.appKey)
	apps.BaseURL = strings.TrimSuffix(c.baseURL, "/")
	return c.newAPI(apps)
}

// Repositories lists the repositories of every installation of the App
// that is not suspended, all pages.
func (c *Client) Repositories(ctx context.Context) ([]forge.Repository, error) {
	api, err := c.appAPI()
	if err != nil {
		return nil, err
	}
	installations, err := listAll(0, func(opts gh.ListOptions) ([]*gh.Installation, *gh.Response, error) {
		return api.Apps.ListInstallations(ctx, &opts)
	})
	if err != nil {
		return nil, fail(err, "list the App's installations")
	}
	var out []forge.Repository
	for _, inst := range installations {
		if inst.SuspendedAt != nil {
			continue
		}
		repos, err := c.installedRepositories(ctx, inst.GetID())
		if err != nil {
			return nil, err
		}
		out = append(out, repos...)
	}
	return out, nil
}

func (c *Client) installedRepositories(ctx context.Context, installation int64) ([]forge.Repository, error) {
	api, err := c.installation(installation)
	if err != nil {
		return nil, err
	}
	repos, err := listAll(0, func(opts gh.ListOptions) ([]*gh.Repository, *gh.Response, error) {
		list, resp, err := api.Apps.ListRepos(ctx, &opts)
		return list.GetRepositories(), resp, err
	})
	if err != nil {
		return nil, fail(err, "list the repositories of installation %d", installation)
	}
	out := make([]forge.Repository, 0, len(repos))
	for _, r := range repos {
		out = append(out, forge.Repository{
			Repo: forge.Repo{Forge: forge.GitHub, Owner: r.GetOwner().GetLogin(), Name: r.GetName(),
				CredentialsKey: strconv.FormatInt(installation, 10)},
			DefaultBranch: r.GetDefaultBranch(),
			Archived:      r.GetArchived(),
		})
	}
	return out, nil
}
