// The request reader on bytes alone: every check the server makes before a
// handler sees a request, without sockets.
#include <gtest/gtest.h>

#include <string>

#include "exporter/server/request_reader.hpp"

namespace flowgate::exporter {
namespace {

using State = RequestReader::State;

// Feeds `input` as one client would (`step` bytes at a time), starting the
// body once the header is read; returns the bytes the reader did not use.
std::string read(RequestReader& reader, std::string input, std::size_t step = std::string::npos) {
  std::string pending;
  std::size_t offered = 0;
  for (;;) {
    if (reader.state() == State::header_done) reader.start_body();
    if (reader.state() != State::header && reader.state() != State::body) break;
    pending.erase(0, reader.parse(pending));
    if (reader.state() == State::header_done) continue;
    if (reader.state() != State::header && reader.state() != State::body) break;
    if (offered == input.size()) break;
    const std::size_t take = std::min(step, input.size() - offered);
    pending += input.substr(offered, take);
    offered += take;
  }
  return pending + input.substr(offered);
}

// What the reader refuses `input` with (status 0: it does not), over a budget
// of `budget_bytes` (0: no limit), fed `step` bytes at a time.
Refusal refusal_of(const std::string& input, RequestLimits limits = {}, std::size_t budget_bytes = 0,
                   std::size_t step = std::string::npos) {
  BodyBudget budget(budget_bytes);
  RequestReader reader(limits, budget);
  read(reader, input, step);
  return reader.state() == State::refused ? reader.refusal() : Refusal{};
}

struct Reading {
  explicit Reading(RequestLimits limits = {}, std::size_t budget_bytes = 0)
      : budget(budget_bytes), reader(limits, budget) {}
  // Reads `input`, `step` bytes at a time; true when that made one complete request.
  bool completes(const std::string& input, std::size_t step = std::string::npos) {
    read(reader, input, step);
    return reader.state() == State::complete;
  }
  BodyBudget budget;
  RequestReader reader;
};

TEST(RequestReader, ReadsARequestWithAContentLengthBody) {
  Reading reading;
  ASSERT_TRUE(reading.completes("PUT /metrics/job/a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nm 1\n"));
  const Request request = reading.reader.request();
  EXPECT_EQ(request.method, "PUT");
  EXPECT_EQ(request.target, "/metrics/job/a");
  EXPECT_EQ(request.body, "m 1\n");
}

TEST(RequestReader, ReadsAHeaderAndBodyFedByteByByte) {
  Reading reading;
  ASSERT_TRUE(reading.completes(
      "POST /metrics/job/a HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nm 1\n", 1));
  EXPECT_EQ(reading.reader.request().content_type, "text/plain");
  EXPECT_EQ(reading.reader.request().body, "m 1\n");
}

TEST(RequestReader, LeavesAPipelinedRequestForTheNextReader) {
  Reading reading;
  const std::string second = "GET /-/ready HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(read(reading.reader, "GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n" + second), second);
  EXPECT_EQ(reading.reader.request().target, "/-/healthy");
}

TEST(RequestReader, ReadsAChunkedBody) {
  Reading reading;
  ASSERT_TRUE(reading.completes("PUT /metrics/job/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "2\r\nm \r\n2\r\n1\n\r\n0\r\n\r\n"));
  EXPECT_EQ(reading.reader.request().body, "m 1\n");
}

TEST(RequestReader, RefusesAFieldValueTooLongForBeastWith431) {
  auto refusal = refusal_of("GET /-/healthy HTTP/1.1\r\nHost: x\r\nX-A: " + std::string(70'000, 'a') + "\r\n\r\n");
  EXPECT_EQ(refusal.status, 431);
  EXPECT_NE(refusal.message.find("65533 bytes"), std::string::npos);
}

TEST(RequestReader, RefusesAFieldNameTooLongForBeastWith431) {
  EXPECT_EQ(refusal_of("GET /-/healthy HTTP/1.1\r\nHost: x\r\n" + std::string(65'534, 'X') + ": 1\r\n\r\n", {}, 0, 4096)
                .status,
            431);
}

TEST(RequestReader, RefusesAHeaderOverTheLimitWith431) {
  EXPECT_EQ(refusal_of("GET /-/healthy HTTP/1.1\r\nHost: x\r\nX-A: " + std::string(2000, 'a') + "\r\n\r\n",
                       RequestLimits{1024, 1024})
                .status,
            431);
}

TEST(RequestReader, RefusesATransferEncodingOtherThanChunkedWith501) {
  for (const char* coding : {"xchunked", "gzip, chunked", "chunked, chunked", "identity"}) {
    auto refusal = refusal_of(std::string("PUT /metrics/job/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ") + coding +
                              "\r\n\r\n0\r\n\r\n");
    EXPECT_EQ(refusal.status, 501) << coding;
    EXPECT_NE(refusal.message.find(coding), std::string::npos);
  }
}

TEST(RequestReader, RefusesTwoTransferEncodingFieldsWith501) {
  EXPECT_EQ(refusal_of("PUT /metrics/job/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                .status,
            501);
}

TEST(RequestReader, RefusesTransferEncodingTogetherWithContentLengthWith400) {
  for (const char* fields : {"Transfer-Encoding: xchunked\r\nContent-Length: 4\r\n",
                             "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
                             "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n"}) {
    EXPECT_EQ(refusal_of(std::string("PUT /metrics/job/a HTTP/1.1\r\nHost: x\r\n") + fields + "\r\nm 1\n").status, 400)
        << fields;
  }
}

TEST(RequestReader, RoutesAnAbsoluteFormTargetByItsPathAndQuery) {
  Reading reading;
  ASSERT_TRUE(reading.completes(
      "PUT http://flowgate:9091/metrics/job/x?a=1 HTTP/1.1\r\nHost: flowgate:9091\r\nContent-Length: 0\r\n\r\n"));
  EXPECT_EQ(reading.reader.request().target, "/metrics/job/x?a=1");
}

TEST(OriginForm, KeepsOriginFormAndReducesAbsoluteForm) {
  EXPECT_EQ(origin_form("/metrics?x=1"), "/metrics?x=1");
  EXPECT_EQ(origin_form("http://h:9091/metrics/job/x"), "/metrics/job/x");
  EXPECT_EQ(origin_form("HTTPS://h/"), "/");
  EXPECT_EQ(origin_form("http://h"), "/");
  EXPECT_EQ(origin_form("http://h?x=1"), "/?x=1");
  EXPECT_EQ(origin_form("ftp://h/metrics"), "ftp://h/metrics");  // not ours to serve: the router says 400
  EXPECT_EQ(origin_form("*"), "*");
}

TEST(RequestReader, RefusesABodyOverTheLimitWith413) {
  const RequestLimits limits{1 << 20, 8};
  EXPECT_EQ(refusal_of("PUT /metrics/job/a HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n123456789", limits).status,
            413);
  EXPECT_EQ(refusal_of("PUT /metrics/job/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "9\r\n123456789\r\n0\r\n\r\n",
                       limits)
                .status,
            413);
}

TEST(RequestReader, RefusesAContentLengthBeyondTheBudgetWith503NamingTheFlag) {
  auto refusal = refusal_of("PUT /metrics/job/a HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n123456789", {}, 8);
  EXPECT_EQ(refusal.status, 503);
  EXPECT_NE(refusal.message.find("--web.max-inflight-body-bytes (8 bytes"), std::string::npos) << refusal.message;
}

TEST(RequestReader, RefusesAChunkBeyondTheBudgetWith503) {
  EXPECT_EQ(refusal_of("PUT /metrics/job/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "5\r\n12345\r\n5\r\n67890\r\n0\r\n\r\n",
                       {}, 8)
                .status,
            503);
}

TEST(RequestReader, HoldsItsBodyInTheBudgetUntilDestroyed) {
  BodyBudget budget(100);
  {
    RequestReader reader({}, budget);
    read(reader, "PUT /metrics/job/a HTTP/1.1\r\nHost: x\r\nContent-Length: 60\r\n\r\n" + std::string(60, '#'));
    ASSERT_EQ(reader.state(), State::complete);
    EXPECT_EQ(budget.in_use(), 60u);
    RequestReader second({}, budget);
    read(second, "PUT /metrics/job/a HTTP/1.1\r\nHost: x\r\nContent-Length: 60\r\n\r\n" + std::string(60, '#'));
    EXPECT_EQ(second.state(), State::refused);
  }
  EXPECT_EQ(budget.in_use(), 0u);
  RequestReader third({}, budget);
  read(third, "PUT /metrics/job/a HTTP/1.1\r\nHost: x\r\nContent-Length: 60\r\n\r\n" + std::string(60, '#'));
  EXPECT_EQ(third.state(), State::complete);
}

TEST(RequestReader, RefusesAnEndlessChunkSizeLine) {
  EXPECT_EQ(refusal_of("PUT /metrics/job/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;" +
                           std::string(4096, 'a'),
                       RequestLimits{1024, 1 << 20})
                .status,
            400);
}

TEST(RequestReader, AnswersMalformedRequestLinesWith400) {
  EXPECT_EQ(refusal_of("GET /a b HTTP/1.1\r\n\r\n").status, 400);
}

TEST(RequestReader, SeesExpectContinue) {
  Reading reading;
  reading.reader.parse("PUT /metrics/job/a HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  ASSERT_EQ(reading.reader.state(), State::header_done);
  EXPECT_TRUE(reading.reader.expects_continue());
  reading.reader.start_body();
  EXPECT_EQ(reading.reader.state(), State::body);
}


TEST(BodyBudget, OneClientAddressHoldsAtMostAQuarter) {
  BodyBudget budget(400);
  BodyReservation first(budget, "10.0.0.1");
  BodyReservation second(budget, "10.0.0.1");
  BodyReservation other(budget, "10.0.0.2");
  EXPECT_TRUE(first.grow(80));
  EXPECT_FALSE(second.grow(21)) << "80 + 21 is over the 100-byte share";
  EXPECT_TRUE(second.grow(20));
  EXPECT_TRUE(other.grow(100)) << "another address has a share of its own";
  first.release();
  EXPECT_TRUE(second.grow(80));
  EXPECT_EQ(budget.in_use(), 200u);
}

}  // namespace
}  // namespace flowgate::exporter
