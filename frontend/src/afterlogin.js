// Where a shopper goes once logged in: back to what they were doing.
import { peekAfterLogin, takeAfterLogin } from "./auth.js";
import { navigate } from "./router.js";

export function continueAfterLogin() {
  const intent = peekAfterLogin();
  if (intent && intent.productId !== undefined) {
    // The catalog re-opens the checkout for that photo once it has loaded.
    navigate("catalog");
    return;
  }
  takeAfterLogin();
  navigate(intent && intent.route === "orders" ? "orders" : "catalog");
}
