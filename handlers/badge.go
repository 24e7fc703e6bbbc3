package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/templates"
)

const (
	// badgeMaxAge is how long a badge is reused, here and by whoever
	// shows it (a README on the forge goes through its image proxy).
	badgeMaxAge = 5 * time.Minute
	// maxCachedBadges bounds the cache: anyone can ask for any name.
	maxCachedBadges = 1024
	// maxBadgeRepo bounds a repository's name as the path gives it.
	maxBadgeRepo = 255
)

// badges serves /badge/FORGE/OWNER/NAME.svg: the Overall score of the
// default branch, as the last review into it or the security dashboard's
// last refresh (whichever is newer) saw it, for repositories whose policy
// there says badge: true; 404 for any other.
type badges struct {
	queue Queue
	now   func() time.Time

	mu    sync.Mutex
	cache map[string]cachedBadge
}

type cachedBadge struct {
	svg   []byte // nil: no badge
	until time.Time
}

func (b *badges) serve(c echo.Context) error {
	kind := forge.Kind(c.Param("forge"))
	repo, ok := strings.CutSuffix(c.Param("*"), ".svg")
	if (kind != forge.GitHub && kind != forge.GitLab) || !ok || len(repo) > maxBadgeRepo || !strings.Contains(repo, "/") {
		return notFound(c)
	}
	key := string(kind) + "/" + strings.ToLower(repo)
	svg, err := b.badge(c, kind, repo, key)
	if err != nil {
		return err
	}
	if svg == nil {
		return notFound(c)
	}
	c.Response().Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(badgeMaxAge.Seconds())))
	c.Response().Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	return c.Blob(http.StatusOK, "image/svg+xml; charset=utf-8", svg)
}

// badge is the repository's badge, from the cache while it is fresh.
func (b *badges) badge(c echo.Context, kind forge.Kind, repo, key string) ([]byte, error) {
	now := b.now()
	b.mu.Lock()
	cached, ok := b.cache[key]
	b.mu.Unlock()
	if ok && now.Before(cached.until) {
		return cached.svg, nil
	}
	review, found, err := b.queue.DefaultBranchReview(c.Request().Context(), kind, repo)
	if err != nil {
		return nil, err
	}
	var svg []byte
	if found && review.Badge && len(review.Scores) > 0 {
		score := review.Scores[len(review.Scores)-1].Base
		// The security dashboard records the default branch at each push:
		// newer than a review's base when there is one.
		owner, name := splitRepo(repo)
		points, err := b.queue.Scores(c.Request().Context(), forge.Repo{Forge: kind, Owner: owner, Name: name}, 1)
		if err != nil {
			return nil, err
		}
		if len(points) > 0 && points[0].At.After(review.ReviewedAt) {
			score = points[0].Score.Overall
		}
		if svg, err = renderBadge(score); err != nil {
			return nil, err
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.cache) >= maxCachedBadges {
		clear(b.cache)
	}
	b.cache[key] = cachedBadge{svg: svg, until: now.Add(badgeMaxAge)}
	return svg, nil
}

// splitRepo splits owner/name at its last slash: a GitLab group path
// holds slashes.
func splitRepo(repo string) (owner, name string) {
	i := strings.LastIndex(repo, "/")
	return repo[:i], repo[i+1:]
}

// renderBadge draws the score as a shields-style badge: green from 8,
// yellow from 5, red below.
func renderBadge(score float64) ([]byte, error) {
	text := fmt.Sprintf("%.1f / 10", score)
	color := "#cf222e"
	switch {
	case score >= 8:
		color = "#1a7f37"
	case score >= 5:
		color = "#bf8700"
	}
	const labelWidth, valueWidth = 92, 62
	var buf bytes.Buffer
	err := templates.RenderPage(&buf, "badge.svg.tmpl", struct {
		Text, Color                                   string
		Width, LabelWidth, ValueWidth, LabelX, ValueX int
	}{text, color, labelWidth + valueWidth, labelWidth, valueWidth, labelWidth / 2, labelWidth + valueWidth/2})
	return buf.Bytes(), err
}
