package credential

import (
	"fmt"
)

// redacted is the text printed for every formatting of a Secret.
const redacted = "[redacted]"

// Secret is a resolved secret. Its String, GoString, Format and MarshalJSON
// methods print "[redacted]", so passing it to a logger, fmt or
// encoding/json does not reveal it. Only Reveal returns the value.
type Secret struct {
	value string
}

// NewSecret wraps value. Tests and the lab use it; the inventory never
// holds a secret.
func NewSecret(value string) Secret { return Secret{value: value} }

// Reveal returns the secret's value, for the one call that hands it to a
// protocol library.
func (s Secret) Reveal() string { return s.value }

// IsEmpty reports whether the secret has no value, as for KindAgent.
func (s Secret) IsEmpty() bool { return s.value == "" }

// String returns "[redacted]".
func (s Secret) String() string { return redacted }

// GoString returns "[redacted]", for %#v.
func (s Secret) GoString() string { return redacted }

// Format prints "[redacted]" for every verb.
func (s Secret) Format(f fmt.State, verb rune) { fmt.Fprint(f, redacted) }

// MarshalJSON returns the JSON string "[redacted]".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText returns "[redacted]", for encoders that use text forms,
// such as log/slog's text handler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
