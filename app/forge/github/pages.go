package github

import (
	gh "github.com/google/go-github/v88/github"
)

// perPage is the largest page GitHub serves
// (https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api).
const perPage = 100

// listAll fetches every page of a list, at most maxItems items (0: no cap).
func listAll[T any](maxItems int, page func(gh.ListOptions) ([]T, *gh.Response, error)) ([]T, error) {
	var all []T
	opts := gh.ListOptions{PerPage: perPage}
	for {
		items, resp, err := page(opts)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if maxItems > 0 && len(all) >= maxItems {
			return all[:maxItems], nil
		}
		if resp.NextPage == 0 {
			return all, nil
		}
		opts.Page = resp.NextPage
	}
}
