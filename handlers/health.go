package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// readyTimeout keeps a stuck database from hanging the probe.
const readyTimeout = 2 * time.Second

// readiness answers 200 when the queue can take work, 503 otherwise. The
// cause goes to the log, not to whoever probes.
func readiness(queue Queue, logger *slog.Logger) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
		defer cancel()
		if err := queue.Ready(ctx); err != nil {
			logger.Warn("not ready", "error", err)
			return c.String(http.StatusServiceUnavailable, "not ready\n")
		}
		return c.String(http.StatusOK, "ready\n")
	}
}
