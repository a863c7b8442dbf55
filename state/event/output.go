package event

// DefaultOutputCap is the number of output bytes kept per step when the
// caller sets no cap. Bytes past it are counted but not stored.
const DefaultOutputCap = 256 << 10

// OutputLimiter cuts one step's output to a cap and counts the full size.
// Use one per step; it is not safe for concurrent use.
type OutputLimiter struct {
	Step string
	Cap  int64 // bytes kept per step; 0 means DefaultOutputCap

	stored int64
	total  map[string]int64 // full size per stream
}

// Add accounts for p written to stream and returns the Output record to
// journal, or false when the cap is already spent.
func (l *OutputLimiter) Add(stream string, p []byte) (Output, bool) {
	if l.total == nil {
		l.total = map[string]int64{}
	}
	offset := l.total[stream]
	l.total[stream] += int64(len(p))

	room := l.limit() - l.stored
	if room <= 0 || len(p) == 0 {
		return Output{}, false
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	l.stored += int64(len(p))
	return Output{Step: l.Step, Stream: stream, Offset: offset, Data: string(p)}, true
}

// Sizes returns the full output size over all streams and the part stored,
// for StepFinished.OutputBytes and StoredBytes.
func (l *OutputLimiter) Sizes() (total, stored int64) {
	for _, n := range l.total {
		total += n
	}
	return total, l.stored
}

func (l *OutputLimiter) limit() int64 {
	if l.Cap <= 0 {
		return DefaultOutputCap
	}
	return l.Cap
}
