package main

// framer follows the HTTP/1.x request stream of one connection, byte for
// byte as the server reads it, far enough to find where each request's
// header block ends and how its body is framed, and notes for each header
// block whether its framing is ambiguous: Transfer-Encoding together with
// Content-Length, or Transfer-Encoding on an HTTP/1.0 request (RFC 9112
// §6.1, §6.3). net/http serves such a request by Transfer-Encoding and
// deletes Content-Length before a handler sees it (transfer.go, fixLength),
// so only the bytes tell; a proxy in front that goes by Content-Length would
// see a different next request than the server (request smuggling).
//
// It follows the grammar net/http accepts (header lines ending in LF or
// CRLF, obs-fold continuation lines, chunk sizes in hex with extensions,
// trailers): where net/http refuses the input it closes the connection, so
// the framer only has to agree with it on what it accepts. When the framer
// cannot follow (a body length it cannot read), it stops, records nothing
// more, and the handler refuses the next request: it fails closed.
type framer struct {
	st frameState
	// remaining counts the bytes of a fixed body or a chunk left to skip.
	remaining int64

	// The line being read (request, header, chunk-size or trailer line).
	lineLen int  // bytes of the line so far, CR and LF excluded
	sawCR   bool // the last byte was CR (a CR before LF ends nothing)

	// The request line's last token (its protocol), up to maxToken bytes.
	token    [maxToken]byte
	tokenLen int

	// The header line being read: its name until the colon, then its value.
	name    [maxName]byte
	nameLen int
	inValue bool
	// field is what the current header (with its continuation lines) is.
	field headerField

	// The header block so far. cl reads the current Content-Length field;
	// clValue is the length the block's fields agree on, clBad that they
	// do not or one is not a length (net/http then refuses the request).
	http11  bool
	hasTE   bool
	hasCL   bool
	cl      clParse
	clValue int64
	clBad   bool
	chunkSz chunkParse

	// verdicts holds one entry per header block read and not yet taken by
	// a handler, in order: "" when the request is well framed, else why not.
	verdicts []string
}

type frameState int

const (
	stRequestLine frameState = iota // before and in the request line
	stHeader                        // header lines up to the empty line
	stBody                          // remaining bytes of a Content-Length body
	stChunkSize                     // a chunk-size line
	stChunkData                     // remaining bytes of a chunk
	stChunkEnd                      // the CRLF after a chunk (remaining bytes)
	stTrailer                       // trailer lines up to the empty line
	stLost                          // cannot follow: record nothing more
)

type headerField int

const (
	fieldOther headerField = iota
	fieldContentLength
	fieldTransferEncoding
)

const (
	maxToken = 16
	maxName  = 32
)

// Why a request is refused (the text of its 400).
const (
	whyCLandTE   = "both Content-Length and Transfer-Encoding"
	whyTE10      = "Transfer-Encoding on an HTTP/1.0 request"
	whyNotFollow = "request framing could not be followed"
)

// scan consumes p, the next bytes the server read from the connection.
func (f *framer) scan(p []byte) {
	for len(p) > 0 && f.st != stLost {
		switch f.st {
		case stBody, stChunkData, stChunkEnd:
			n := int64(len(p))
			n = min(n, f.remaining)
			p = p[n:]
			f.remaining -= n
			if f.remaining == 0 {
				f.bodyPartDone()
			}
		default:
			if n := f.plainRun(p); n > 0 {
				p = p[n:]
				continue
			}
			f.lineByte(p[0])
			p = p[1:]
		}
	}
}

// plainRun consumes, at once, the leading bytes of p that need no look one
// by one: the rest of a header value the framer ignores, or a run of the
// request line without blanks (a URL). It returns how many it took.
func (f *framer) plainRun(p []byte) int {
	if f.sawCR || f.lineLen == 0 {
		return 0
	}
	switch {
	case f.st == stHeader && f.inValue && f.field != fieldContentLength:
		n := indexLineEnd(p, false)
		f.lineLen += n
		return n
	case f.st == stRequestLine:
		n := indexLineEnd(p, true)
		if n > 0 {
			f.tokenLen += copy(f.token[f.tokenLen:], p[:n])
			f.lineLen += n
		}
		return n
	}
	return 0
}

// indexLineEnd is the index of the first CR or LF of p (or blank, with
// blanks), len(p) when there is none.
func indexLineEnd(p []byte, blanks bool) int {
	for i, b := range p {
		if b == '\r' || b == '\n' || (blanks && b == ' ') {
			return i
		}
	}
	return len(p)
}

// bodyPartDone moves on when a fixed body, a chunk or its CRLF is skipped.
func (f *framer) bodyPartDone() {
	switch f.st {
	case stBody:
		f.nextRequest()
	case stChunkData:
		f.st, f.remaining = stChunkEnd, 2
	case stChunkEnd:
		f.st = stChunkSize
	}
}

// lineByte consumes one byte of a line-oriented part of the stream.
func (f *framer) lineByte(b byte) {
	if b == '\n' {
		f.endLine()
		f.lineLen, f.sawCR = 0, false
		return
	}
	if b == '\r' {
		f.sawCR = true
		return
	}
	if f.sawCR {
		// A CR inside a line: net/http refuses it in the request line and
		// headers; keep counting it as content.
		f.sawCR = false
		f.lineContent('\r')
	}
	f.lineContent(b)
}

func (f *framer) lineContent(b byte) {
	first := f.lineLen == 0
	f.lineLen++
	switch f.st {
	case stRequestLine:
		if b == ' ' {
			f.tokenLen = 0
		} else if f.tokenLen < maxToken {
			f.token[f.tokenLen] = b
			f.tokenLen++
		}
	case stHeader:
		f.headerByte(b, first)
	case stChunkSize:
		f.chunkSz.add(b)
	}
}

// headerByte reads a header line: a new field, or the continuation of the
// current one (obs-fold, joined with a space by net/http).
func (f *framer) headerByte(b byte, first bool) {
	if first {
		if b == ' ' || b == '\t' {
			f.valueByte(' ')
			return
		}
		f.endField()
		f.nameLen, f.inValue, f.field = 0, false, fieldOther
	}
	if f.inValue {
		f.valueByte(b)
		return
	}
	if b != ':' {
		if f.nameLen < maxName {
			f.name[f.nameLen] = lower(b)
		}
		f.nameLen++
		return
	}
	f.inValue = true
	switch string(f.name[:min(f.nameLen, maxName)]) {
	case "content-length":
		f.field, f.cl = fieldContentLength, clParse{}
	case "transfer-encoding":
		f.field, f.hasTE = fieldTransferEncoding, true
	}
}

// endField completes the field before the next one or the end of the
// block: net/http takes repeated Content-Length fields of one value only.
func (f *framer) endField() {
	if f.field != fieldContentLength {
		return
	}
	v, ok := f.cl.value()
	if !ok || (f.hasCL && v != f.clValue) {
		f.clBad = true
	}
	f.hasCL, f.clValue, f.field = true, v, fieldOther
}

func (f *framer) valueByte(b byte) {
	if f.field == fieldContentLength {
		f.cl.add(b)
	}
}

// endLine acts on a complete line.
func (f *framer) endLine() {
	empty := f.lineLen == 0
	switch f.st {
	case stRequestLine:
		if empty {
			return // net/http skips blank lines after a POST, refuses others
		}
		f.http11 = atLeastHTTP11(string(f.token[:f.tokenLen]))
		f.st = stHeader
	case stHeader:
		if empty {
			f.endHeader()
		}
	case stChunkSize:
		size, ok := f.chunkSz.value()
		f.chunkSz = chunkParse{}
		switch {
		case !ok:
			f.st = stLost
		case size == 0:
			f.st = stTrailer
		default:
			f.st, f.remaining = stChunkData, size
		}
	case stTrailer:
		if empty {
			f.nextRequest()
		}
	}
}

// endHeader records the verdict of the header block and sets up its body.
func (f *framer) endHeader() {
	f.endField()
	why := ""
	switch {
	case f.hasTE && f.hasCL:
		why = whyCLandTE
	case f.hasTE && !f.http11:
		why = whyTE10
	}
	f.verdicts = append(f.verdicts, why)
	switch {
	case why != "":
		f.st = stLost // the connection closes after the refusal
	case f.hasTE:
		f.st = stChunkSize
	case f.clBad:
		f.st = stLost // net/http refuses the length and closes
	case f.clValue > 0:
		f.st, f.remaining = stBody, f.clValue
	default:
		f.nextRequest()
	}
}

// nextRequest starts over for the next request on the connection.
func (f *framer) nextRequest() {
	verdicts := f.verdicts
	*f = framer{verdicts: verdicts}
}

// next takes the verdict of the oldest request not yet taken: "" to serve
// it, else why it is refused. With none recorded the framer lost the
// stream, and the request is refused.
func (f *framer) next() string {
	if len(f.verdicts) == 0 {
		return whyNotFollow
	}
	why := f.verdicts[0]
	// Shift rather than reslice, so that the slice keeps its room.
	n := copy(f.verdicts, f.verdicts[1:])
	f.verdicts = f.verdicts[:n]
	return why
}

// atLeastHTTP11 reports whether proto is HTTP/M.N with M.N ≥ 1.1, as
// net/http's ProtoAtLeast(1, 1) judges (below it, Transfer-Encoding is
// ignored and the body goes by Content-Length).
func atLeastHTTP11(proto string) bool {
	if len(proto) != len("HTTP/1.1") || proto[:5] != "HTTP/" || proto[6] != '.' {
		return false
	}
	major, minor := proto[5], proto[7]
	return major > '1' && major <= '9' || major == '1' && minor >= '1' && minor <= '9'
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// clParse reads a Content-Length value as net/http does: digits between
// optional blanks, below 2^63.
type clParse struct {
	n       int64
	digits  bool
	after   bool // blanks after the digits
	invalid bool
}

func (c *clParse) add(b byte) {
	switch {
	case b == ' ' || b == '\t':
		c.after = c.digits
	case b >= '0' && b <= '9' && !c.after:
		c.digits = true
		if c.n > (1<<63-1-int64(b-'0'))/10 {
			c.invalid = true
			return
		}
		c.n = c.n*10 + int64(b-'0')
	default:
		c.invalid = true
	}
}

// value is the length and whether net/http would accept it.
func (c *clParse) value() (int64, bool) {
	if c.invalid || !c.digits {
		return 0, false
	}
	return c.n, true
}

// chunkParse reads a chunk-size line: hex digits (at most 16), then
// nothing but blanks or a ";" extension.
type chunkParse struct {
	n       int64
	digits  int
	ended   bool // a non-hex byte was seen
	ext     bool // in the extension
	invalid bool
}

func (c *chunkParse) add(b byte) {
	if c.ext {
		return
	}
	if b == ';' {
		c.ext = true
		return
	}
	if !c.ended {
		if d, ok := hexDigit(b); ok {
			c.digits++
			if c.digits > 16 {
				c.invalid = true
			}
			c.n = c.n<<4 | int64(d)
			return
		}
		c.ended = true
	}
	if b != ' ' && b != '\t' {
		c.invalid = true
	}
}

// value is the chunk size and whether net/http would accept the line. A
// size beyond int64 counts as not followed.
func (c *chunkParse) value() (int64, bool) {
	if c.invalid || c.digits == 0 || c.n < 0 {
		return 0, false
	}
	return c.n, true
}

func hexDigit(b byte) (byte, bool) {
	switch {
	case '0' <= b && b <= '9':
		return b - '0', true
	case 'a' <= b && b <= 'f':
		return b - 'a' + 10, true
	case 'A' <= b && b <= 'F':
		return b - 'A' + 10, true
	}
	return 0, false
}
