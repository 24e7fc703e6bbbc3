package forge

// Posted is what composeguard posted on a pull request, as recorded.
type Posted struct {
	// Recorded is false when nothing was ever recorded for the pull
	// request; InDoubt is true while a write may have landed unrecorded.
	// Either way the forge is listed instead.
	Recorded, InDoubt bool
	// SummaryID is the summary comment (0: none), SummaryDigest its body's.
	SummaryID     int64
	SummaryDigest string
	Comments      []PostedComment
	// Run is the check run the request's job completed, 0 for none.
	Run int64
}

// PostedComment is an inline comment by the fingerprints it carries.
// Settled is true once its findings are gone and its thread was resolved:
// it needs no more looking at.
type PostedComment struct {
	Fingerprints []string
	Settled      bool
}
