// The run report: tolerant loading of stats files and block records, and the HTML's
// structure (well formed, self-contained, one mark per slot with the right numbers).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "extpack/ops/exit_codes.hpp"
#include "extpack/ops/html_report.hpp"
#include "extpack/ops/run_data.hpp"
#include "html_tree.hpp"

namespace ops = extpack::ops;
namespace test = extpack::test;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = EXTPACK_OPS_FIXTURES;

ops::RunData load_fixture_run() {
  auto run = ops::load_run(
      {kFixtures / "sim_stats.json", kFixtures / "pack_stats.json", kFixtures / "blocks.jsonl"});
  EXPECT_TRUE(run.ok()) << run.error().message;
  return run.ok() ? std::move(run).value() : ops::RunData{};
}

test::HtmlNode parse(const std::string& html) {
  auto doc = test::parse_html(html);
  EXPECT_TRUE(doc.ok()) << doc.error().message;
  return doc.ok() ? std::move(doc).value() : test::HtmlNode{};
}

std::vector<const test::HtmlNode*> bars(const test::HtmlNode& svg) {
  return svg.find_all(
      [](const test::HtmlNode& n) { return n.tag == "rect" && n.attr("class") == "bar"; });
}

/// The value cell of the summary row whose header is `key`.
std::string summary_value(const test::HtmlNode& doc, const std::string& key) {
  const auto* table = doc.by_id("summary-table");
  if (table == nullptr) return "no summary table";
  for (const auto* tr : table->by_tag("tr")) {
    auto th = tr->by_tag("th");
    auto td = tr->by_tag("td");
    if (th.size() == 1 && td.size() == 1 && th[0]->text_content() == key) {
      return td[0]->text_content();
    }
  }
  return "no row " + key;
}

} // namespace

TEST(RunData, LoadsSimPackAndBlockRecord) {
  auto run = load_fixture_run();
  ASSERT_EQ(run.slots.size(), 8u);
  const auto& s0 = run.slots[0];
  EXPECT_EQ(s0.slot, 100u);
  EXPECT_TRUE(s0.leader);
  EXPECT_EQ(s0.received, 1000u);       // the sim writes "fed"
  EXPECT_EQ(s0.cu_limit, 60'000'000u); // ... and "block_limit"
  EXPECT_EQ(s0.cu_used, 30'000'000u);
  EXPECT_EQ(s0.fees_lamports, 5'000'000u);
  EXPECT_FALSE(run.slots[4].leader);
  ASSERT_TRUE(run.sim.has_value());
  EXPECT_EQ(run.sim->numbers.at("fed"), 8280.0);
  EXPECT_EQ(run.sim->reasons.at("not_included").at("ACCOUNT_IN_USE"), 250u);
  ASSERT_TRUE(run.pack.has_value());
  EXPECT_EQ(run.pack->reasons.at("dropped").at("expired"), 120u);
  EXPECT_EQ(run.pack->time_to_inclusion.p99, 801.25);
  ASSERT_EQ(run.blocks.size(), 4u);
  EXPECT_EQ(run.blocks[0].slot, 100u);
  EXPECT_EQ(run.blocks[0].transactions, 3u);
  EXPECT_EQ(run.blocks[0].cu, 6000u); // 1000 + 2000 + 3000
  EXPECT_EQ(run.blocks[0].fees, 15'003u);
  EXPECT_EQ(run.blocks[3].cu, 500u); // written with "cu" instead of "cost_units"
  EXPECT_EQ(run.blocks[3].fees, 15u);
  EXPECT_TRUE(run.notes.empty()) << ::testing::PrintToString(run.notes);
}

TEST(RunData, ToleratesOtherWritersAndMissingFields) {
  auto run = ops::load_run({kFixtures / "sim_stats_other_writer.json", "", ""});
  ASSERT_TRUE(run.ok()) << run.error().message;
  ASSERT_EQ(run->slots.size(), 3u); // the entry without "slot" is skipped
  const auto& s5 = run->slots[0];
  EXPECT_EQ(s5.received, 10u);
  EXPECT_EQ(s5.cu_limit, 2000u);
  EXPECT_EQ(s5.not_included.at("BLOCKHASH_NOT_FOUND"), 1u);
  EXPECT_EQ(s5.time_to_inclusion.p90, 20.0);
  EXPECT_EQ(run->slots[1].time_to_inclusion.p99, 40.0); // flat tti_* names
  EXPECT_FALSE(run->slots[1].cu_used.has_value());
  EXPECT_EQ(run->sim->numbers.at("extra_counter"), 42.0);
  EXPECT_EQ(run->sim->reasons.at("new_reasons").at("SOMETHING_NEW"), 5u);
  EXPECT_EQ(run->notes,
            (std::vector<std::string>{"no block record", "no extpack-pack stats file"}));
  auto doc = ops::load_run({"", "", kFixtures / "blocks_doc.json"});
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  ASSERT_EQ(doc->blocks.size(), 1u);
  EXPECT_EQ(doc->blocks[0].slot, 9u);
  EXPECT_EQ(doc->blocks[0].cu, 50u);
}

TEST(RunData, ErrorsNameTheFileAndLine) {
  auto none = ops::load_run({});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message,
            "no input: give a sim stats file, a pack stats file or a block record");
  auto missing = ops::load_run({"/nonexistent/sim.json", "", ""});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "cannot read /nonexistent/sim.json: No such file or "
                                     "directory");
  // A directory opens as a stream but its read fails: an error, not an exception.
  auto directory = ops::load_run({kFixtures, "", ""});
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().message.rfind("cannot read " + kFixtures.string() + ": ", 0), 0u)
      << directory.error().message;
  auto broken = ops::load_run({"", "", kFixtures / "broken.jsonl"});
  ASSERT_FALSE(broken.ok());
  auto prefix = (kFixtures / "broken.jsonl").string() + ":2: not valid JSON: ";
  EXPECT_EQ(broken.error().message.rfind(prefix, 0), 0u) << broken.error().message;
}

TEST(HtmlReport, IsWellFormedAndSelfContained) {
  auto doc = parse(ops::render_report(load_fixture_run()));
  EXPECT_TRUE(doc.by_tag("script").empty());
  EXPECT_TRUE(doc.by_tag("link").empty());
  EXPECT_TRUE(doc.by_tag("img").empty());
  for (const auto* n : doc.find_all([](const test::HtmlNode&) { return true; })) {
    EXPECT_EQ(n->attrs.count("src"), 0u) << n->tag;
    EXPECT_EQ(n->attrs.count("href"), 0u) << n->tag;
  }
  auto titles = doc.by_tag("title");
  ASSERT_FALSE(titles.empty());
  EXPECT_EQ(titles[0]->text_content(), "extpack run report");
  // Per-slot plots, block sizes and three non-empty reason groups (+2 "none").
  std::vector<std::string> ids;
  for (const auto* svg : doc.by_tag("svg"))
    ids.push_back(svg->attr("id"));
  EXPECT_EQ(ids, (std::vector<std::string>{"chart-cu-fill", "chart-fees", "chart-outcomes",
                                           "chart-block-size", "chart-not-included",
                                           "chart-pack-dropped", "chart-feed-dropped",
                                           "chart-not-processed", "chart-rejected"}));
}

TEST(HtmlReport, PlotsCarryTheNumbersOfEachSlot) {
  auto doc = parse(ops::render_report(load_fixture_run()));
  const auto* fill = doc.by_id("chart-cu-fill");
  ASSERT_NE(fill, nullptr);
  auto fill_bars = bars(*fill);
  ASSERT_EQ(fill_bars.size(), 4u); // leader slots only
  std::vector<std::string> tips;
  for (const auto* b : fill_bars)
    tips.push_back(b->text_content());
  EXPECT_EQ(tips,
            (std::vector<std::string>{"slot 100: block fill 50",
                                      "slot 101: block fill "
                                      "58.33",
                                      "slot 102: block fill 66.67", "slot 103: block fill 75"}));
  // Bar heights are proportional to the values.
  double h100 = std::stod(fill_bars[0]->attr("height"));
  double h103 = std::stod(fill_bars[3]->attr("height"));
  EXPECT_NEAR(h103 / h100, 75.0 / 50.0, 0.01);

  const auto* outcomes = doc.by_id("chart-outcomes");
  ASSERT_NE(outcomes, nullptr);
  auto ob = bars(*outcomes);
  ASSERT_EQ(ob.size(), 8u); // included + scheduled-not-included, 4 leader slots
  EXPECT_EQ(ob[0]->attr("data-series"), "included");
  EXPECT_EQ(ob[0]->text_content(), "slot 100: included 800");
  EXPECT_EQ(ob[1]->text_content(), "slot 100: scheduled, not included 100");

  const auto* fees = doc.by_id("chart-fees");
  ASSERT_NE(fees, nullptr);
  EXPECT_EQ(bars(*fees).back()->text_content(), "slot 103: fees 0.02");

  const auto* reasons = doc.by_id("chart-not-included");
  ASSERT_NE(reasons, nullptr);
  auto rb = bars(*reasons);
  ASSERT_EQ(rb.size(), 2u); // zero counts are left out, largest first
  EXPECT_EQ(rb[0]->text_content(), "ACCOUNT_IN_USE: 250");
  EXPECT_EQ(rb[1]->text_content(), "WOULD_EXCEED_MAX_BLOCK_COST_LIMIT: 90");

  EXPECT_EQ(summary_value(doc, "leader block fill"), "62.5 %");
  EXPECT_EQ(summary_value(doc, "included"), "3,260");
  EXPECT_EQ(summary_value(doc, "fees captured (sim)"), "0.050000 SOL");
  EXPECT_EQ(summary_value(doc, "time to inclusion p50 / p90 / p99 / max"),
            "180.5 ms / 390.0 ms / 801.2 ms / 1200.0 ms");
  EXPECT_EQ(doc.by_id("slot-table")->by_tag("tr").size(), 9u); // header + 8 slots
}

TEST(HtmlReport, PerSlotReasonsAndInclusionTimesWhenRecorded) {
  auto run = ops::load_run({kFixtures / "sim_stats_other_writer.json", "", ""});
  ASSERT_TRUE(run.ok());
  auto doc = parse(ops::render_report(*run));
  const auto* outcomes = doc.by_id("chart-outcomes");
  ASSERT_NE(outcomes, nullptr);
  std::vector<std::string> series;
  for (const auto* b : bars(*outcomes))
    series.push_back(b->attr("data-series"));
  EXPECT_EQ(series, (std::vector<std::string>{"included", "ACCOUNT_IN_USE", "BLOCKHASH_NOT_FOUND",
                                              "included", "ACCOUNT_IN_USE"}));
  const auto* tti = doc.by_id("chart-inclusion-time");
  ASSERT_NE(tti, nullptr);
  auto lines = tti->by_tag("polyline");
  ASSERT_EQ(lines.size(), 3u); // p50, p90, p99 over slots 5-6 (slot 7 has none)
  EXPECT_EQ(lines[0]->attr("data-series"), "p50");
  const std::string points = lines[0]->attr("points");
  EXPECT_EQ(std::count(points.begin(), points.end(), ','), 2);
  const auto* fill = doc.by_id("chart-cu-fill"); // only slot 5 has both CU numbers
  ASSERT_NE(fill, nullptr);
  ASSERT_EQ(bars(*fill).size(), 1u);
  EXPECT_EQ(bars(*fill)[0]->text_content(), "slot 5: block fill 50");
  EXPECT_EQ(doc.by_id("chart-fees"), nullptr); // no fees recorded: no plot
}

TEST(HtmlReport, EscapesEveryName) {
  ops::RunData run;
  ops::StatsFile sim;
  sim.path = "a<b>.json";
  sim.reasons["not_included"]["<script>x</script>"] = 3;
  sim.numbers["q\"&'"] = 1;
  run.sim = sim;
  auto doc = parse(ops::render_report(run, {"R&D <report>"}));
  EXPECT_TRUE(doc.by_tag("script").empty());
  EXPECT_EQ(doc.by_tag("h1")[0]->text_content(), "R&D <report>");
  auto rb = bars(*doc.by_id("chart-not-included"));
  ASSERT_EQ(rb.size(), 1u);
  EXPECT_EQ(rb[0]->attr("data-series"), "<script>x</script>");
}

TEST(HtmlTree, RejectsWhatABrowserWouldRepair) {
  for (const char* bad :
       {"<p><b>x</p></b>", "<div>", "</p>", "<p a=1></p>", "a &nbsp; b", "<p>1 < 2</p>"}) {
    EXPECT_FALSE(test::parse_html(bad).ok()) << bad;
  }
  auto ok = test::parse_html("<!DOCTYPE html><p class=\"x\">a &amp; b<br/>c</p>");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->by_tag("p")[0]->text_content(), "a & bc");
}

TEST(ReportTool, WritesTheFileAndUsesExitCodes) {
  // mkdtemp replaces the six trailing template characters.
  std::string tmpl = "/tmp/extpack-report-test-" + std::string(6, 'X');
  fs::path dir = ::mkdtemp(tmpl.data());
  auto out = dir / "r.html";
  std::string cmd = std::string(EXTPACK_REPORT_BIN) + " --sim-stats " +
                    (kFixtures / "sim_stats.json").string() + " --blocks " +
                    (kFixtures / "blocks.jsonl").string() + " -o " + out.string() + " > /dev/null";
  int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_EQ(WEXITSTATUS(rc), ops::status(ops::ExitCode::Clean));
  std::ifstream in(out);
  std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto doc = parse(html);
  EXPECT_NE(doc.by_id("chart-cu-fill"), nullptr);

  std::string bad = std::string(EXTPACK_REPORT_BIN) + " --blocks " +
                    (kFixtures / "broken.jsonl").string() + " -o " + out.string() + " 2> /dev/null";
  rc = std::system(bad.c_str());
  EXPECT_EQ(WEXITSTATUS(rc), ops::status(ops::ExitCode::Usage));
  std::string unwritable = std::string(EXTPACK_REPORT_BIN) + " --sim-stats " +
                           (kFixtures / "sim_stats.json").string() +
                           " -o /nonexistent-dir/r.html > /dev/null 2>&1";
  rc = std::system(unwritable.c_str());
  EXPECT_EQ(WEXITSTATUS(rc), ops::status(ops::ExitCode::OutputFailure));
  fs::remove_all(dir);
}
