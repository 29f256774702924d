package features

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// rbBadInput is one entry of the bad-input catalogue: a request written byte for byte and
// its documented answer (cmd/bcservice/README.md, "Codes" and "Path decisions").
type rbBadInput struct {
	req rbRawRequest
	// status is the HTTP status; code the <code> of the result (rbPlainAnswer: Go's own
	// plain-text answer, rbNoBody: a HEAD answer without body).
	status, code int
	// text is a prefix of <text> ("" = not checked).
	text string
	// allow is the expected Allow header of a 405.
	allow string
	// reachesCUCM marks input that only CUCM can judge (e.g. a wrong certificate): the
	// simulator must have been asked. Every other case must leave it untouched.
	reachesCUCM bool
	// within bounds the answer time (0 = rbBadInputDeadline).
	within time.Duration
}

const (
	// rbPlainAnswer: the answer is Go's net/http plain text (431), not the result shape.
	rbPlainAnswer = -1
	// rbNoBody: a HEAD answer, which has no body to carry a code.
	rbNoBody = -2
	// rbBadInputDeadline is how long any bad input may take to be answered: bad input never
	// hangs the service (the XML cases are CPU bound, so the bound is loose on 2 cores).
	rbBadInputDeadline = 5 * time.Second
)

// Device and user of the demo topology that the catalogue's paths name.
const (
	rbDev  = euDevice1
	rbUser = almUser
)

// rbLoginPath is the login route for the catalogue's device and user.
const rbLoginPath = "/api/login/" + rbDev + "/" + rbUser

// rbForm is a POST with xmlParam as the url-encoded form field xml.
func rbForm(target, xmlParam string) rbRawRequest {
	return rbFormBody(target, "xml="+url.QueryEscape(xmlParam))
}

// rbFormBody is a POST with a raw application/x-www-form-urlencoded body.
func rbFormBody(target, body string) rbRawRequest {
	return rbRawRequest{Method: http.MethodPost, Target: target,
		Header: [][2]string{{"Content-Type", "application/x-www-form-urlencoded"}}, Body: []byte(body)}
}

// rbXMLBody is a POST with a raw text/xml body.
func rbXMLBody(target, doc string) rbRawRequest {
	return rbRawRequest{Method: http.MethodPost, Target: target,
		Header: [][2]string{{"Content-Type", "text/xml"}}, Body: []byte(doc)}
}

// rbBodyWith is a POST with the given Content-Type and body.
func rbBodyWith(target, contentType string, body []byte, extra ...[2]string) rbRawRequest {
	return rbRawRequest{Method: http.MethodPost, Target: target,
		Header: append([][2]string{{"Content-Type", contentType}}, extra...), Body: body}
}

// rbMethod is a request with another method and the good credentials in the query string
// (so that only the method is wrong).
func rbMethod(method, target string) rbRawRequest {
	return rbRawRequest{Method: method, Target: target + "?xml=" + url.QueryEscape(rbGoodCreds())}
}

// rbMultipart builds a multipart/form-data body with the given fields.
func rbMultipart(fields ...[2]string) rbRawRequest {
	var b strings.Builder
	for _, f := range fields {
		b.WriteString("--RBBOUNDARY\r\nContent-Disposition: form-data; name=\"" + f[0] + "\"\r\n\r\n" + f[1] + "\r\n")
	}
	b.WriteString("--RBBOUNDARY--\r\n")
	return rbBodyWith("/api/getloggedinuser/"+rbDev, "multipart/form-data; boundary=RBBOUNDARY", []byte(b.String()))
}

// rbGzipForm is the good form body, gzip-compressed, with Content-Encoding: gzip (which the
// service does not support).
func rbGzipForm() rbRawRequest {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte("xml=" + url.QueryEscape(rbGoodCreds())))
	_ = zw.Close()
	return rbBodyWith("/api/getloggedinuser/"+rbDev, "application/x-www-form-urlencoded", buf.Bytes(),
		[2]string{"Content-Encoding", "gzip"})
}

// rbChunkedForm sends a form body of n bytes with Transfer-Encoding: chunked (no
// Content-Length, so only reading it finds out it is too large).
func rbChunkedForm(n int) rbRawRequest {
	payload := "xml=" + strings.Repeat("a", n)
	var b strings.Builder
	for len(payload) > 0 {
		chunk := payload[:min(len(payload), 8192)]
		payload = payload[len(chunk):]
		b.WriteString(strconv.FormatInt(int64(len(chunk)), 16) + "\r\n" + chunk + "\r\n")
	}
	b.WriteString("0\r\n\r\n")
	return rbBodyWith(rbLoginPath, "application/x-www-form-urlencoded", []byte(b.String()),
		[2]string{"Transfer-Encoding", "chunked"})
}

// rbManyHeaders adds n headers of size bytes each to a getversioninfo request.
func rbManyHeaders(n, size int) rbRawRequest {
	r := rbRawRequest{Method: http.MethodGet, Target: "/api/getversioninfo"}
	for i := range n {
		r.Header = append(r.Header, [2]string{"X-Filler-" + strconv.Itoa(i), strings.Repeat("v", size)})
	}
	return r
}

// The billion laughs document: ten levels of ten-fold entity expansion. Refused on sight.
const rbBillionLaughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">` +
	`<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
	`<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">` +
	`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">` +
	`<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">` +
	`<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">` +
	`<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">` +
	`<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">` +
	`<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">` +
	`<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">` +
	`]><request><appID>&lol9;</appID><appCertificate>s3cret</appCertificate></request>`

var _ = Describe("bcservice bad input", Ordered, ContinueOnFailure, func() {
	sim := UseSim(demoTopology)
	var svc *Service
	BeforeAll(func() {
		svc = NewService(sim, ServiceOptions{})
		DeferCleanup(func() { rbExpectNoSecrets("bad-input processes", svc.Session(), sim.Session()) })
	})

	DescribeTable("is answered with its documented code, never reaches CUCM when invalid on its face, and the service serves the next request",
		func(c rbBadInput) {
			a, err := rbSendRaw(svc.listen, c.req)
			Expect(err).NotTo(HaveOccurred(), "the service must answer (no dropped connection, no hang)")
			within := c.within
			if within == 0 {
				within = rbBadInputDeadline
			}
			Expect(a.Elapsed).To(BeNumerically("<", within), "answer took too long: %v", a)
			Expect(a.Status).To(Equal(c.status), "HTTP status: %v", a)
			switch c.code {
			case rbPlainAnswer:
				Expect(a.Body).NotTo(ContainSubstring("<code>"), "Go's own answer: %v", a)
			case rbNoBody:
				Expect(a.Body).To(BeEmpty(), "a HEAD answer has no body")
			default:
				Expect(a.Header.Get("Content-Type")).To(Equal("text/xml; charset=utf-8"), "%v", a)
				r, ok := a.Result()
				Expect(ok).To(BeTrue(), "not a Business Connector result: %v", a)
				Expect(*r.Code).To(Equal(c.code), "code: %v", a)
				Expect(r.Text).To(HavePrefix(c.text), "text: %v", a)
				Expect(r.Text).NotTo(ContainSubstring(appCert), "a text never quotes the certificate")
			}
			if c.allow != "" {
				Expect(a.Header.Get("Allow")).To(Equal(c.allow), "Allow header of a 405")
			}
			rbExpectAlive(svc)
			if c.reachesCUCM {
				Expect(rbCUCMRequests(sim)).To(BeNumerically(">", 0), "this input is judged by CUCM")
			} else {
				rbNoCUCMTraffic(sim)
			}
		},

		// --- the device segment ---
		Entry("login without a device: /api/login",
			rbBadInput{req: rbForm("/api/login", rbGoodCreds()), status: 200, code: 404, text: "Device ID empty"}),
		Entry("logout with only a trailing slash: /api/logout/",
			rbBadInput{req: rbForm("/api/logout/", rbGoodCreds()), status: 200, code: 404, text: "Device ID empty"}),
		Entry("login with an empty device segment: /api/login//ALMUSER01",
			rbBadInput{req: rbForm("/api/login//"+rbUser, rbGoodCreds()), status: 200, code: 404, text: "Device ID empty"}),
		Entry("logout with a blank device: /api/logout/%20",
			rbBadInput{req: rbForm("/api/logout/%20", rbGoodCreds()), status: 200, code: 404, text: "Device ID empty"}),
		Entry("getloggedinuser with a tab as device: %09",
			rbBadInput{req: rbForm("/api/getloggedinuser/%09", rbGoodCreds()), status: 200, code: 404, text: "Device ID empty"}),
		Entry("logout with empty segments: /api/logout//EU",
			rbBadInput{req: rbForm("/api/logout//EU", rbGoodCreds()), status: 200, code: 404, text: "Device ID empty"}),
		Entry("device name of 65 characters",
			rbBadInput{req: rbForm("/api/logout/SEP"+strings.Repeat("A", 62), rbGoodCreds()), status: 200, code: 1008, text: "Invalid device name"}),
		Entry("device name of 8000 characters",
			rbBadInput{req: rbForm("/api/logout/"+strings.Repeat("B", 8000), rbGoodCreds()), status: 200, code: 1008, text: "Invalid device name"}),
		Entry(`device name with a double quote: SEP%22X`,
			rbBadInput{req: rbForm("/api/logout/SEP%22X", rbGoodCreds()), status: 200, code: 1008, text: "Invalid device name"}),
		Entry("device name with <: SEP%3Cscript%3E",
			rbBadInput{req: rbForm("/api/login/SEP%3Cscript%3E/"+rbUser, rbGoodCreds()), status: 200, code: 1008, text: "Invalid device name"}),
		Entry("device name with a raw semicolon: SEP1;DROP",
			rbBadInput{req: rbForm("/api/logout/SEP1;DROP", rbGoodCreds()), status: 200, code: 1008, text: "Invalid device name"}),
		Entry("device name with unicode: SEP%C3%A9",
			rbBadInput{req: rbForm("/api/getloggedinuser/SEP%C3%A9", rbGoodCreds()), status: 200, code: 1008, text: "Invalid device name"}),
		Entry("device name with an encoded slash: SEP%2F..%2Fx",
			rbBadInput{req: rbForm("/api/logout/SEP%2F..%2Fx", rbGoodCreds()), status: 200, code: 1008, text: "Invalid device name"}),
		Entry("device name with NUL: SEP%00",
			rbBadInput{req: rbForm("/api/logout/SEP%00", rbGoodCreds()), status: 200, code: 1008, text: "Invalid device name"}),
		Entry("device name with a space inside: SEP%201",
			rbBadInput{req: rbForm("/api/logout/SEP%201", rbGoodCreds()), status: 200, code: 1008, text: "Invalid device name"}),
		// "." and ".." (also %2E-encoded) are path segments, never device names: refused
		// before CUCM is asked although dots are allowed characters.
		Entry("device name '..': /api/logout/..",
			rbBadInput{req: rbForm("/api/logout/..", rbGoodCreds()), status: 200, code: 1008, text: "Invalid device name"}),
		Entry("device name '.': /api/login/./ALMUSER01",
			rbBadInput{req: rbForm("/api/login/./"+rbUser, rbGoodCreds()), status: 200, code: 1008, text: "Invalid device name"}),
		Entry("device name %2E%2E",
			rbBadInput{req: rbForm("/api/getloggedinuser/%2E%2E", rbGoodCreds()), status: 200, code: 1008, text: "Invalid device name"}),

		// --- the user segment ---
		Entry("user ID empty: /api/login/D/",
			rbBadInput{req: rbForm("/api/login/"+rbDev+"/", rbGoodCreds()), status: 200, code: 1005, text: "User ID empty"}),
		Entry("user ID blank: %20%20",
			rbBadInput{req: rbForm("/api/login/"+rbDev+"/%20%20", rbGoodCreds()), status: 200, code: 1005, text: "User ID empty"}),
		Entry("user ID empty between device and cluster: /api/login/D//EU",
			rbBadInput{req: rbForm("/api/login/"+rbDev+"//EU", rbGoodCreds()), status: 200, code: 1005, text: "User ID empty"}),
		Entry("user ID with NUL: ALM%00USER",
			rbBadInput{req: rbForm("/api/login/"+rbDev+"/ALM%00USER", rbGoodCreds()), status: 200, code: 1009, text: "Invalid user ID"}),
		Entry("user ID with a line feed: ALM%0AUSER",
			rbBadInput{req: rbForm("/api/login/"+rbDev+"/ALM%0AUSER", rbGoodCreds()), status: 200, code: 1009, text: "Invalid user ID"}),
		Entry("user ID with ESC: %1B[31mALM",
			rbBadInput{req: rbForm("/api/login/"+rbDev+"/%1B%5B31mALM", rbGoodCreds()), status: 200, code: 1009, text: "Invalid user ID"}),
		Entry("user ID with invalid UTF-8: ALM%FF",
			rbBadInput{req: rbForm("/api/login/"+rbDev+"/ALM%FF", rbGoodCreds()), status: 200, code: 1009, text: "Invalid user ID"}),
		Entry("user ID of 129 characters",
			rbBadInput{req: rbForm("/api/login/"+rbDev+"/"+strings.Repeat("u", 129), rbGoodCreds()), status: 200, code: 1009, text: "Invalid user ID"}),
		Entry("user ID with an encoded slash: a%2Fb (allowed: passed to CUCM, unknown there, 23)",
			rbBadInput{req: rbForm("/api/login/"+rbDev+"/a%2Fb", rbGoodCreds()), status: 200, code: 23, text: "User not found", reachesCUCM: true}),
		// A user ID that is a dot segment is refused like a device name.
		Entry("user ID '..': /api/login/D/..",
			rbBadInput{req: rbForm("/api/login/"+rbDev+"/..", rbGoodCreds()), status: 200, code: 1009, text: "Invalid user ID"}),

		// --- cluster code and PIN segments, routes ---
		Entry("cluster code with punctuation: E!U",
			rbBadInput{req: rbForm("/api/logout/"+rbDev+"/E!U", rbGoodCreds()), status: 200, code: 1012, text: "Invalid cluster code"}),
		Entry("cluster code of 33 characters",
			rbBadInput{req: rbForm("/api/logout/"+rbDev+"/"+strings.Repeat("C", 33), rbGoodCreds()), status: 200, code: 1012, text: "Invalid cluster code"}),
		Entry("cluster code with an encoded slash: E%2FU",
			rbBadInput{req: rbForm("/api/getloggedinuser/"+rbDev+"/E%2FU", rbGoodCreds()), status: 200, code: 1012, text: "Invalid cluster code"}),
		Entry("cluster code '..': /api/logout/D/..",
			rbBadInput{req: rbForm("/api/logout/"+rbDev+"/..", rbGoodCreds()), status: 200, code: 1012, text: "Invalid cluster code"}),
		Entry("unknown cluster code XX",
			rbBadInput{req: rbForm("/api/logout/"+rbDev+"/XX", rbGoodCreds()), status: 200, code: 1001, text: "Cluster with code [XX] not found"}),
		Entry("non-numeric PIN: 12a4",
			rbBadInput{req: rbForm(rbLoginPath+"/EU/12a4", rbGoodCreds()), status: 200, code: 1012, text: "Invalid PIN format"}),
		Entry("PIN of 33 digits",
			rbBadInput{req: rbForm(rbLoginPath+"/EU/"+strings.Repeat("7", 33), rbGoodCreds()), status: 200, code: 1012, text: "Invalid PIN format"}),
		Entry("PIN with a sign: %2B97531",
			rbBadInput{req: rbForm(rbLoginPath+"/EU/%2B97531", rbGoodCreds()), status: 200, code: 1012, text: "Invalid PIN format"}),
		Entry("extra segment after the cluster: /api/logout/D/EU/x",
			rbBadInput{req: rbForm("/api/logout/"+rbDev+"/EU/x", rbGoodCreds()), status: 404, code: 404, text: "Unknown API route"}),
		Entry("extra segment after the PIN: /api/login/D/U/EU/97531/x",
			rbBadInput{req: rbForm(rbLoginPath+"/EU/97531/x", rbGoodCreds()), status: 404, code: 404, text: "Unknown API route"}),
		Entry("dot segments that make the path too long: /api/logout/a/../D",
			rbBadInput{req: rbForm("/api/logout/a/../"+rbDev, rbGoodCreds()), status: 404, code: 404, text: "Unknown API route"}),
		Entry("operation in the wrong case: /api/LOGOUT/D",
			rbBadInput{req: rbForm("/api/LOGOUT/"+rbDev, rbGoodCreds()), status: 404, code: 404, text: "Unknown API route"}),

		// --- methods ---
		Entry("GET on login", rbBadInput{req: rbMethod(http.MethodGet, rbLoginPath), status: 405, code: 405, text: "Method GET not allowed", allow: "POST"}),
		Entry("PUT on logout", rbBadInput{req: rbMethod(http.MethodPut, "/api/logout/"+rbDev), status: 405, code: 405, text: "Method PUT not allowed", allow: "POST"}),
		Entry("DELETE on getloggedinuser", rbBadInput{req: rbMethod(http.MethodDelete, "/api/getloggedinuser/"+rbDev), status: 405, code: 405, text: "Method DELETE not allowed", allow: "POST"}),
		Entry("PATCH on getversioninfo", rbBadInput{req: rbMethod(http.MethodPatch, "/api/getversioninfo"), status: 405, code: 405, text: "Method PATCH not allowed", allow: "GET, HEAD, POST"}),
		Entry("OPTIONS on logout", rbBadInput{req: rbMethod(http.MethodOptions, "/api/logout/"+rbDev), status: 405, code: 405, text: "Method OPTIONS not allowed", allow: "POST"}),
		Entry("HEAD on login", rbBadInput{req: rbMethod(http.MethodHead, rbLoginPath), status: 405, code: rbNoBody, allow: "POST"}),
		// HEAD works wherever GET does (RFC 9110 §9.1): the GET answer without its body.
		Entry("HEAD on getversioninfo", rbBadInput{req: rbMethod(http.MethodHead, "/api/getversioninfo"), status: 200, code: rbNoBody}),
		Entry("an invented method FROB on login", rbBadInput{req: rbMethod("FROB", rbLoginPath), status: 405, code: 405, text: "Method FROB not allowed", allow: "POST"}),

		// --- header and URL size (Go's server: maxHeaderBytes 64 KiB -> 431, plain text) ---
		Entry("100 headers of 1 KiB (over maxHeaderBytes)",
			rbBadInput{req: rbManyHeaders(100, 1024), status: 431, code: rbPlainAnswer}),
		Entry("a 100 KiB URL",
			rbBadInput{req: rbForm("/api/logout/"+strings.Repeat("A", 100<<10), rbGoodCreds()), status: 431, code: rbPlainAnswer}),

		// --- the xml parameter: presence ---
		Entry("no xml field in the form",
			rbBadInput{req: rbFormBody(rbLoginPath, "other=1"), status: 200, code: 1006, text: "Missing xml parameter"}),
		Entry("no body at all",
			rbBadInput{req: rbRawRequest{Method: http.MethodPost, Target: rbLoginPath}, status: 200, code: 1006, text: "Missing xml parameter"}),
		Entry("empty xml",
			rbBadInput{req: rbFormBody(rbLoginPath, "xml="), status: 200, code: 1006, text: "Missing xml parameter"}),
		Entry("blank xml (spaces and a newline)",
			rbBadInput{req: rbForm(rbLoginPath, "  \n "), status: 200, code: 1006, text: "Missing xml parameter"}),
		Entry("unknown Content-Type application/json",
			rbBadInput{req: rbBodyWith(rbLoginPath, "application/json", []byte(`{"xml":"`+strings.ReplaceAll(rbGoodCreds(), `"`, `\"`)+`"}`)), status: 200, code: 1006, text: "Missing xml parameter"}),
		Entry("text/plain body holding a form",
			rbBadInput{req: rbBodyWith(rbLoginPath, "text/plain", []byte("xml="+url.QueryEscape(rbGoodCreds()))), status: 200, code: 1006, text: "Missing xml parameter"}),
		Entry("gzip Content-Encoding (not supported)",
			rbBadInput{req: rbGzipForm(), status: 200, code: 1006, text: "Malformed request: Content-Encoding not supported"}),
		Entry("form body with a broken percent escape: xml=%zz",
			rbBadInput{req: rbFormBody(rbLoginPath, "xml=%zz"), status: 200, code: 1006, text: "Malformed request"}),
		Entry("multipart form without a boundary",
			rbBadInput{req: rbBodyWith(rbLoginPath, "multipart/form-data", []byte("xml=abc")), status: 200, code: 1006, text: "Malformed request"}),
		Entry("multipart form without an xml part",
			rbBadInput{req: rbMultipart([2]string{"other", "1"}), status: 200, code: 1006, text: "Missing xml parameter"}),
		Entry("multipart form with the xml part (accepted)",
			rbBadInput{req: rbMultipart([2]string{"xml", rbGoodCreds()}), status: 200, code: 0, text: "No user logged in", reachesCUCM: true}),
		// Two xml values: the first one counts (like a servlet's getParameter). Undocumented;
		// see the report.
		Entry("form with two xml values, the first valid (first wins)",
			rbBadInput{req: rbFormBody("/api/getloggedinuser/"+rbDev, "xml="+url.QueryEscape(rbGoodCreds())+"&xml=%3Cbad"), status: 200, code: 0, text: "No user logged in", reachesCUCM: true}),
		Entry("form with two xml values, the first malformed",
			rbBadInput{req: rbFormBody(rbLoginPath, "xml=%3Cbad&xml="+url.QueryEscape(rbGoodCreds())), status: 200, code: 1006, text: "Malformed request XML"}),

		// --- the xml parameter: body size ---
		Entry("text/xml body over maxBodyBytes (70 KiB)",
			rbBadInput{req: rbXMLBody(rbLoginPath, "<request>"+strings.Repeat(" ", 70<<10)+"</request>"), status: 413, code: 413, text: "Request body too large (limit 65536 bytes)"}),
		Entry("form body over maxBodyBytes (200 KiB)",
			rbBadInput{req: rbForm(rbLoginPath, strings.Repeat("x", 200<<10)), status: 413, code: 413, text: "Request body too large"}),
		Entry("chunked form body over maxBodyBytes",
			rbBadInput{req: rbChunkedForm(80 << 10), status: 413, code: 413, text: "Request body too large"}),

		// --- the xml parameter: XML content ---
		Entry("malformed XML: unclosed <request>",
			rbBadInput{req: rbForm(rbLoginPath, "<request><appID>bcapp</appID>"), status: 200, code: 1006, text: "Malformed request XML"}),
		Entry("not XML at all",
			rbBadInput{req: rbForm(rbLoginPath, "bcapp:s3cret"), status: 200, code: 1006, text: "Malformed request XML"}),
		Entry("XML with a DOCTYPE",
			rbBadInput{req: rbForm(rbLoginPath, `<!DOCTYPE request><request><appID>bcapp</appID><appCertificate>s3cret</appCertificate></request>`), status: 200, code: 1006, text: "Malformed request XML"}),
		// Fast next to an expansion (billions of bytes): the default bound, generous for a
		// loaded machine, is far below what expanding would take.
		Entry("billion laughs entities (refused, never expanded, fast)",
			rbBadInput{req: rbXMLBody(rbLoginPath, rbBillionLaughs), status: 200, code: 1006, text: "Malformed request XML"}),
		Entry("external entity (XXE) to file:///etc/passwd",
			rbBadInput{req: rbForm(rbLoginPath, `<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><request><appID>&x;</appID><appCertificate>s3cret</appCertificate></request>`), status: 200, code: 1006, text: "Malformed request XML"}),
		Entry("undefined entity reference &xxe;",
			rbBadInput{req: rbXMLBody(rbLoginPath, "<request><appID>bcapp</appID><appCertificate>&xxe;</appCertificate></request>"), status: 200, code: 1006, text: "Malformed request XML"}),
		Entry("deeply nested unclosed XML (15000 levels, answered without a hang)",
			rbBadInput{req: rbXMLBody(rbLoginPath, "<request>"+strings.Repeat("<x>", 15000)), status: 200, code: 1006, text: "Malformed request XML", within: rbIOTimeout}),
		// The request parser keeps only the first three element names, so its work per token
		// is constant however deep the input nests: service/httpapi's expectLinearAllocs
		// asserts that mechanism (allocations at depth k and 2k). The answer takes
		// milliseconds; 2 s leaves a loaded machine under -race room and still catches work
		// that grows with the square of the depth.
		Entry("deeply nested unclosed XML answered fast",
			rbBadInput{req: rbXMLBody(rbLoginPath, "<request>"+strings.Repeat("<x>", 15000)), status: 200, code: 1006, text: "Malformed request XML", within: 2 * time.Second}),
		Entry("deeply nested well-formed XML around valid credentials (2000 levels, extra elements ignored)",
			rbBadInput{req: rbXMLBody("/api/getloggedinuser/"+rbDev, "<request><appID>bcapp</appID><appCertificate>s3cret</appCertificate>"+strings.Repeat("<x>", 2000)+strings.Repeat("</x>", 2000)+"</request>"), status: 200, code: 0, reachesCUCM: true}),
		Entry("huge XML under the limit: 60 KiB comment",
			rbBadInput{req: rbXMLBody("/api/getloggedinuser/"+rbDev, "<request><!--"+strings.Repeat("c", 60<<10)+"--><appID>bcapp</appID><appCertificate>s3cret</appCertificate></request>"), status: 200, code: 0, reachesCUCM: true}),
		Entry("missing appID",
			rbBadInput{req: rbForm(rbLoginPath, "<request><appCertificate>s3cret</appCertificate></request>"), status: 200, code: 1007, text: "appID or appCertificate missing"}),
		Entry("missing appCertificate",
			rbBadInput{req: rbForm(rbLoginPath, "<request><appID>bcapp</appID></request>"), status: 200, code: 1007, text: "appID or appCertificate missing"}),
		Entry("empty appID and appCertificate",
			rbBadInput{req: rbForm(rbLoginPath, rbCreds("", "")), status: 200, code: 1007, text: "appID or appCertificate missing"}),
		Entry("blank appCertificate (spaces)",
			rbBadInput{req: rbForm(rbLoginPath, rbCreds(appID, "   ")), status: 200, code: 1007, text: "appID or appCertificate missing"}),
		Entry("wrong root element <req>",
			rbBadInput{req: rbForm(rbLoginPath, "<req><appID>bcapp</appID><appCertificate>s3cret</appCertificate></req>"), status: 200, code: 1006, text: "Malformed request XML"}),
		Entry("root element in the wrong case <Request>",
			rbBadInput{req: rbForm(rbLoginPath, "<Request><appID>bcapp</appID><appCertificate>s3cret</appCertificate></Request>"), status: 200, code: 1006, text: "Malformed request XML"}),
		Entry("element names in the wrong case <AppID>/<AppCertificate>",
			rbBadInput{req: rbForm(rbLoginPath, "<request><AppID>bcapp</AppID><AppCertificate>s3cret</AppCertificate></request>"), status: 200, code: 1007, text: "appID or appCertificate missing"}),
		Entry("appID given twice",
			rbBadInput{req: rbForm(rbLoginPath, "<request><appID>bcapp</appID><appID>other</appID><appCertificate>s3cret</appCertificate></request>"), status: 200, code: 1006, text: "Malformed request XML"}),
		Entry("invalid UTF-8 in the XML",
			rbBadInput{req: rbXMLBody(rbLoginPath, "<request><appID>bc\xffapp</appID><appCertificate>s3cret</appCertificate></request>"), status: 200, code: 1006, text: "Malformed request XML"}),
		Entry("NUL character in the XML",
			rbBadInput{req: rbForm(rbLoginPath, "<request><appID>bc\x00app</appID><appCertificate>s3cret</appCertificate></request>"), status: 200, code: 1006, text: "Malformed request XML"}),
		Entry("declared encoding ISO-8859-1 (unsupported)",
			rbBadInput{req: rbXMLBody(rbLoginPath, `<?xml version="1.0" encoding="ISO-8859-1"?>`+rbGoodCreds()), status: 200, code: 1006, text: "Malformed request XML"}),
		Entry("trailing garbage after </request>",
			rbBadInput{req: rbForm(rbLoginPath, rbGoodCreds()+"garbage"), status: 200, code: 1006, text: "Malformed request XML"}),
		Entry("a second root element",
			rbBadInput{req: rbForm(rbLoginPath, rbGoodCreds()+"<request/>"), status: 200, code: 1006, text: "Malformed request XML"}),
		Entry("CDATA credentials (accepted: the values are the same)",
			rbBadInput{req: rbXMLBody("/api/getloggedinuser/"+rbDev, "<request><appID><![CDATA[bcapp]]></appID><appCertificate><![CDATA[s3cret]]></appCertificate></request>"), status: 200, code: 0, text: "No user logged in", reachesCUCM: true}),
		Entry("well-formed but wrong appCertificate (judged by CUCM: 3)",
			rbBadInput{req: rbForm("/api/getloggedinuser/"+rbDev, rbCreds(appID, rbWrongCert)), status: 200, code: 3, reachesCUCM: true}),
	)
})
