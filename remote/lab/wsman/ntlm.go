package wsman

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/rc4"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/crypto/md4" //nolint:staticcheck // NTLM is defined over MD4.
)

// NTLM negotiate flags (MS-NLMP 2.2.2.5) that the server offers. LM_KEY and
// KEY_EXCH stay unset because the Azure/go-ntlmssp client rejects them.
const (
	flagUnicode        = 0x00000001
	flagRequestTarget  = 0x00000004
	flagSign           = 0x00000010
	flagSeal           = 0x00000020
	flagNTLM           = 0x00000200
	flagAlwaysSign     = 0x00008000
	flagTargetServer   = 0x00020000
	flagExtendedSecure = 0x00080000
	flagTargetInfo     = 0x00800000
	flagVersion        = 0x02000000
	flag128            = 0x20000000
	flagKeyExch        = 0x40000000

	challengeFlags = flagUnicode | flagRequestTarget | flagSign | flagSeal | flagNTLM |
		flagAlwaysSign | flagTargetServer | flagExtendedSecure | flagTargetInfo | flagVersion | flag128
)

const ntlmTarget = "PATCHBAY-LAB"

var ntlmSignature = []byte("NTLMSSP\x00")

// ntlmHandshake is the server side of one NTLMv2 exchange on a connection.
type ntlmHandshake struct {
	challenge [8]byte
	flags     uint32
}

// challengeMessage returns the Type 2 message for a Type 1 message.
func (h *ntlmHandshake) challengeMessage(negotiate []byte) ([]byte, error) {
	if len(negotiate) < 16 || !bytes.Equal(negotiate[:8], ntlmSignature) || binary.LittleEndian.Uint32(negotiate[8:]) != 1 {
		return nil, errors.New("not an NTLM negotiate message")
	}
	if _, err := rand.Read(h.challenge[:]); err != nil {
		return nil, err
	}
	h.flags = challengeFlags

	target := utf16le(ntlmTarget)
	info := targetInfo(target)
	const headerLen = 56
	msg := make([]byte, headerLen, headerLen+len(target)+len(info))
	copy(msg, ntlmSignature)
	binary.LittleEndian.PutUint32(msg[8:], 2)
	putField(msg[12:], len(target), headerLen)
	binary.LittleEndian.PutUint32(msg[20:], h.flags)
	copy(msg[24:], h.challenge[:])
	putField(msg[40:], len(info), headerLen+len(target))
	copy(msg[48:], []byte{10, 0, 0x61, 0x4a, 0, 0, 0, 15}) // Windows 10.0.19041, NTLM revision 15
	msg = append(msg, target...)
	return append(msg, info...), nil
}

func putField(b []byte, length, offset int) {
	binary.LittleEndian.PutUint16(b, uint16(length))
	binary.LittleEndian.PutUint16(b[2:], uint16(length))
	binary.LittleEndian.PutUint32(b[4:], uint32(offset))
}

// targetInfo builds the AV pairs: NetBIOS domain and computer, DNS names,
// the timestamp (so clients add a MIC) and the end marker.
func targetInfo(name []byte) []byte {
	var b bytes.Buffer
	pair := func(id uint16, value []byte) {
		_ = binary.Write(&b, binary.LittleEndian, id)
		_ = binary.Write(&b, binary.LittleEndian, uint16(len(value)))
		b.Write(value)
	}
	pair(2, name)
	pair(1, name)
	pair(4, name)
	pair(3, name)
	stamp := make([]byte, 8)
	binary.LittleEndian.PutUint64(stamp, uint64(time.Now().UnixNano()/100+116444736000000000))
	pair(7, stamp)
	pair(0, nil)
	return b.Bytes()
}

// authenticated is the result of a verified Type 3 message.
type authenticated struct {
	user    string
	session *sealing
}

// errBadCredentials means the Type 3 response does not match any password.
var errBadCredentials = errors.New("NTLM response does not match the password")

// verify checks a Type 3 message against the users' passwords and returns
// the user and the sealing state for message encryption.
func (h *ntlmHandshake) verify(auth []byte, users map[string]string) (*authenticated, error) {
	if len(auth) < 64 || !bytes.Equal(auth[:8], ntlmSignature) || binary.LittleEndian.Uint32(auth[8:]) != 3 {
		return nil, errors.New("not an NTLM authenticate message")
	}
	ntResponse, err1 := field(auth, 20)
	domain, err2 := field(auth, 28)
	user, err3 := field(auth, 36)
	sessionKey, err4 := field(auth, 52)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return nil, err
	}
	if len(ntResponse) < 24 {
		return nil, errors.New("NTLM response too short for NTLMv2")
	}
	flags := binary.LittleEndian.Uint32(auth[60:])
	name := fromUTF16le(user)
	password, ok := lookupUser(users, name)
	if !ok {
		return nil, errBadCredentials
	}

	responseKey := ntowfv2(password, name, fromUTF16le(domain))
	proof := hmacMD5(responseKey, h.challenge[:], ntResponse[16:])
	if !hmac.Equal(proof, ntResponse[:16]) {
		return nil, errBadCredentials
	}
	exported := hmacMD5(responseKey, proof)
	if flags&flagKeyExch != 0 && len(sessionKey) == 16 {
		exported = rc4Once(exported, sessionKey)
	}
	s, err := newSealing(flags, exported)
	if err != nil {
		return nil, err
	}
	return &authenticated{user: name, session: s}, nil
}

func lookupUser(users map[string]string, name string) (string, bool) {
	for u, p := range users {
		if strings.EqualFold(u, name) {
			return p, true
		}
	}
	return "", false
}

// field returns the payload that the 8-byte field descriptor at off points to.
func field(msg []byte, off int) ([]byte, error) {
	length := int(binary.LittleEndian.Uint16(msg[off:]))
	start := int(binary.LittleEndian.Uint32(msg[off+4:]))
	if start+length > len(msg) || start < 0 {
		return nil, fmt.Errorf("NTLM field at %d points outside the message", off)
	}
	return msg[start : start+length], nil
}

func ntowfv2(password, user, domain string) []byte {
	h := md4.New()
	h.Write(utf16le(password))
	return hmacMD5(h.Sum(nil), utf16le(strings.ToUpper(user)+domain))
}

func hmacMD5(key []byte, parts ...[]byte) []byte {
	m := hmac.New(md5.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

func rc4Once(key, data []byte) []byte {
	c, _ := rc4.NewCipher(key)
	out := make([]byte, len(data))
	c.XORKeyStream(out, data)
	return out
}

func utf16le(s string) []byte {
	units := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(units))
	for i, u := range units {
		binary.LittleEndian.PutUint16(b[2*i:], u)
	}
	return b
}

func fromUTF16le(b []byte) string {
	units := make([]uint16, len(b)/2)
	for i := range units {
		units[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(units))
}
