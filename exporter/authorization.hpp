#pragma once
// --web.authorization.file: what each user of the web config's
// basic_auth_users may do. A file of its own, so the web config stays in the
// exporter-toolkit format that promtool and the Pushgateway read. The format
// (docs/authorization.md):
//
//   users:
//     billing:
//       push: ['{job="billing"}']  # PUT, POST and DELETE of the groups these cover
//     prometheus:
//       scrape: true               # GET /metrics, /api/v1/*, the status page (the default)
//     ops:
//       push: ['{}']               # every group
//       admin: true                # PUT /api/v1/admin/wipe
//       lifecycle: true            # PUT/POST /-/quit
//
// A user not listed, and a request without a user, may scrape only. Values
// only: parsing is pure, loading reads the file.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "exporter/group_selector.hpp"
#include "exposition/message_error.hpp"
#include "exposition/model.hpp"

namespace flowgate::exporter {

struct UserRights {
  std::vector<GroupSelector> push;  // a change is allowed when one of these covers its grouping key
  bool scrape = true;
  bool admin = false;
  bool lifecycle = false;
};

enum class Permission { scrape, admin, lifecycle };

struct Authorization {
  std::map<std::string, UserRights, std::less<>> users;

  // The rights of `user` (empty: no authenticated user): its entry, or scrape only.
  const UserRights& rights_of(std::string_view user) const;
  // May `user` push to or delete the group of grouping key `key`?
  bool may_change(std::string_view user, const exposition::Labels& key) const;
  bool may(std::string_view user, Permission permission) const;
};

using AuthorizationError = exposition::MessageError;  // names the line and key, e.g. "line 4: users.ci.push[1]: ..."

boost::system::result<Authorization, AuthorizationError> parse_authorization(std::string_view yaml);
boost::system::result<Authorization, AuthorizationError> load_authorization(const std::string& path);

}  // namespace flowgate::exporter
