package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/composeguard/composeguard/app/pages"
)

// reportPage serves the report page behind a check run's "Details": only
// for a link the server signed and that has not expired (403 otherwise,
// before the database is asked), and only while the review is kept.
type reportPage struct {
	links *pages.Links
	queue Queue
	now   func() time.Time
}

func (p *reportPage) serve(c echo.Context) error {
	key := c.Param("key")
	if err := p.links.Verify(key, c.QueryParam("expires"), c.QueryParam("sig"), p.now()); err != nil {
		return c.String(http.StatusForbidden, err.Error()+"\n")
	}
	review, ok, err := p.queue.Review(c.Request().Context(), key)
	if err != nil {
		return err
	}
	if !ok {
		return c.String(http.StatusNotFound, "this review is no longer kept\n")
	}
	// The page holds a private repository's code: nobody caches it.
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return page(c, http.StatusOK, "report.html.tmpl", struct {
		pages.Review
		Chart chart
	}{review, scoreChart(review.Scores)})
}

// chart is the base → head bar chart of the scores, drawn as inline SVG.
type chart struct {
	Height int
	Bars   []bar
}

type bar struct {
	pages.Score
	Y                    int
	BaseWidth, HeadWidth float64
	LabelX               float64
	Color                string
}

// chartWidth is the length of a bar scoring 10.
const chartWidth = 300

func scoreChart(scores []pages.Score) chart {
	c := chart{Height: 32 * len(scores)}
	for i, s := range scores {
		b := bar{Score: s, Y: 32 * i, BaseWidth: s.Base / 10 * chartWidth, HeadWidth: s.Head / 10 * chartWidth, Color: "#1a7f37"}
		if s.Head < s.Base {
			b.Color = "#cf222e"
		}
		b.LabelX = 160 + max(b.BaseWidth, b.HeadWidth) + 8
		c.Bars = append(c.Bars, b)
	}
	return c
}
