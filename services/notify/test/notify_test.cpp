#include "notify.hpp"

#include <gtest/gtest.h>

namespace {

TEST(Notify, a_case_event_reports_its_state_and_other_events_none) {
  auto forwarded = tongban::bus::Envelope::make("/test", "tongban.delegation.case_forwarded.v1",
                                                "c1", boost::json::object{{"state", "FORWARDED"}});
  EXPECT_EQ(tongban::notify::case_state_of(forwarded), "FORWARDED");
  auto other = tongban::bus::Envelope::make("/test", "tongban.catalog.item_published.v1", "x",
                                            boost::json::object{{"state", "FORWARDED"}});
  EXPECT_FALSE(tongban::notify::case_state_of(other));
}

}  // namespace
