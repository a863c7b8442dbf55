package wsman

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rc4"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// sealing is the server side of NTLM message confidentiality and integrity
// (MS-NLMP 3.4) with extended session security and a 128-bit key: RC4
// streams that run across all messages of a connection, HMAC-MD5
// signatures and one sequence number per direction.
type sealing struct {
	inKey, outKey   []byte // signing keys
	in, out         *rc4.Cipher
	inSeq, outSeq   uint32
	keyExchangeFlag bool
}

func newSealing(flags uint32, exported []byte) (*sealing, error) {
	if flags&flagSeal == 0 || flags&flagExtendedSecure == 0 {
		return nil, nil // the client did not ask for sealing
	}
	key := func(magic string) []byte {
		sum := md5.Sum(append(append([]byte{}, exported...), magic+"\x00"...))
		return sum[:]
	}
	in, err := rc4.NewCipher(key("session key to client-to-server sealing key magic constant"))
	if err != nil {
		return nil, err
	}
	out, err := rc4.NewCipher(key("session key to server-to-client sealing key magic constant"))
	if err != nil {
		return nil, err
	}
	return &sealing{
		inKey:           key("session key to client-to-server signing key magic constant"),
		outKey:          key("session key to server-to-client signing key magic constant"),
		in:              in,
		out:             out,
		keyExchangeFlag: flags&flagKeyExch != 0,
	}, nil
}

func (s *sealing) signature(key []byte, seq uint32, msg []byte, c *rc4.Cipher) []byte {
	seqBytes := binary.LittleEndian.AppendUint32(nil, seq)
	checksum := hmacMD5(key, seqBytes, msg)[:8]
	if s.keyExchangeFlag {
		c.XORKeyStream(checksum, checksum)
	}
	sig := binary.LittleEndian.AppendUint32(nil, 1)
	sig = append(sig, checksum...)
	return append(sig, seqBytes...)
}

func (s *sealing) unseal(sealed, sig []byte) ([]byte, error) {
	msg := make([]byte, len(sealed))
	s.in.XORKeyStream(msg, sealed)
	want := s.signature(s.inKey, s.inSeq, msg, s.in)
	if !hmac.Equal(want, sig) {
		return nil, errors.New("NTLM signature of the encrypted message does not match")
	}
	s.inSeq++
	return msg, nil
}

func (s *sealing) seal(msg []byte) (sealed, sig []byte) {
	sealed = make([]byte, len(msg))
	s.out.XORKeyStream(sealed, msg)
	sig = s.signature(s.outKey, s.outSeq, msg, s.out)
	s.outSeq++
	return sealed, sig
}

// Encrypted bodies follow MS-WSMV 2.2.9.1: two MIME parts separated by
// "--Encrypted Boundary", the first naming the original length, the second
// holding a 4-byte signature length, the signature and the sealed message.
const (
	encryptedBoundary = "--Encrypted Boundary\r\n"
	encryptedProtocol = "application/HTTP-SPNEGO-session-encrypted"
	encryptedType     = `multipart/encrypted;protocol="` + encryptedProtocol + `";boundary="Encrypted Boundary"`
	octetStreamLine   = "\tContent-Type: application/octet-stream\r\n"
)

// unwrapBody decrypts a multipart/encrypted request body.
func (s *sealing) unwrapBody(data []byte) ([]byte, error) {
	lengthAt := bytes.Index(data, []byte("Length="))
	streamAt := bytes.Index(data, []byte(octetStreamLine))
	if !bytes.HasPrefix(data, []byte(encryptedBoundary)) || lengthAt < 0 || streamAt < lengthAt {
		return nil, errors.New("encrypted body is not in the multipart/encrypted layout")
	}
	end := lengthAt + len("Length=")
	for end < len(data) && data[end] >= '0' && data[end] <= '9' {
		end++
	}
	length, err := strconv.Atoi(string(data[lengthAt+len("Length=") : end]))
	if err != nil {
		return nil, fmt.Errorf("encrypted body: invalid Length: %w", err)
	}
	payload := data[streamAt+len(octetStreamLine):]
	if len(payload) < 4 {
		return nil, errors.New("encrypted body: payload truncated")
	}
	sigLen := int(binary.LittleEndian.Uint32(payload))
	if sigLen != 16 || len(payload) < 4+sigLen+length {
		return nil, fmt.Errorf("encrypted body: payload shorter than the %d bytes declared", length)
	}
	return s.unseal(payload[4+sigLen:4+sigLen+length], payload[4:4+sigLen])
}

// wrapBody seals a response body in the same layout as requests.
func (s *sealing) wrapBody(msg []byte) []byte {
	sealed, sig := s.seal(msg)
	var b bytes.Buffer
	b.WriteString(encryptedBoundary)
	b.WriteString("\tContent-Type: " + encryptedProtocol + "\r\n")
	fmt.Fprintf(&b, "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=%d\r\n", len(msg))
	b.WriteString(encryptedBoundary)
	b.WriteString(octetStreamLine)
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(sig)))
	b.Write(sig)
	b.Write(sealed)
	b.WriteString("--Encrypted Boundary--\r\n")
	return b.Bytes()
}
