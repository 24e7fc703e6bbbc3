// Package logging carries what a delivery or a job is about (its id, the
// repository, the pull request) in its context, so every line logged while
// handling it names them, however deep the code that logs.
package logging

import (
	"context"
	"log/slog"
	"slices"
)

type attrsKey struct{}

// With returns ctx carrying args (key-value pairs or slog.Attrs, as
// slog.Logger.With takes them) on top of those it carries already; a key
// given again takes the new value.
func With(ctx context.Context, args ...any) context.Context {
	added := slog.Group("", args...).Value.Group()
	if len(added) == 0 {
		return ctx
	}
	var attrs []slog.Attr
	for _, a := range attrsOf(ctx) {
		if !slices.ContainsFunc(added, func(b slog.Attr) bool { return b.Key == a.Key }) {
			attrs = append(attrs, a)
		}
	}
	return context.WithValue(ctx, attrsKey{}, append(attrs, added...))
}

func attrsOf(ctx context.Context) []slog.Attr {
	attrs, _ := ctx.Value(attrsKey{}).([]slog.Attr)
	return attrs
}

// Handler adds the attributes of the context each line is logged with
// (logger.InfoContext and the like) to the lines h writes; a key the line
// sets itself is not repeated.
func Handler(h slog.Handler) slog.Handler { return contextHandler{h} }

type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	attrs := attrsOf(ctx)
	if len(attrs) == 0 {
		return h.Handler.Handle(ctx, r)
	}
	own := map[string]bool{}
	r.Attrs(func(a slog.Attr) bool {
		own[a.Key] = true
		return true
	})
	r = r.Clone()
	for _, a := range attrs {
		if !own[a.Key] {
			r.AddAttrs(a)
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(attrs)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}
