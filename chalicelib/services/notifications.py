"""Buyer e-mails from outbox messages: the keys and the order link, or the refund notice."""

from __future__ import annotations

import html

from chalicelib.domain.errors import NotFound
from chalicelib.domain.models import OrderStatus, OutboxMessage
from chalicelib.domain.ports import Clock, Mailer, OrderStore, Outbox, TenantStore

from .orders import OrderService


class NotificationService:
    def __init__(self, *, tenants: TenantStore, orders: OrderStore, order_service: OrderService, outbox: Outbox,
                 mailer: Mailer, clock: Clock, public_base_url: str) -> None:
        self._tenants = tenants
        self._orders = orders
        self._order_service = order_service
        self._outbox = outbox
        self._mailer = mailer
        self._clock = clock
        self._base = public_base_url

    def deliver(self, message: OutboxMessage) -> None:
        """Send the mail for one outbox message, then clear it; a failure leaves it for a retry."""
        try:
            tenant = self._tenants.get(tenant_id=message.tenant_id)
            order = self._orders.get(tenant_id=message.tenant_id, order_id=message.order_id)
        except NotFound:
            self._outbox.mark_done(message, now=self._clock.now())
            return
        shop = tenant.name
        link = f"{self._base}/s/{tenant.slug}/orders/{order.id}"
        if message.kind == "order_delivered" and order.status == OrderStatus.DELIVERED:
            keys = self._order_service.reveal(tenant=tenant, order=order)
            subject = f"Your {order.product_name} from {shop} — order {order.id}"
            text = (f"Thank you for your order at {shop}.\n\n{order.product_name} × {order.quantity}\n\n"
                    + "\n".join(keys)
                    + f"\n\nYour order page (keep this e-mail, the link needs the token from your checkout):\n{link}\n")
            items = "".join(f"<li><code>{html.escape(k)}</code></li>" for k in keys)
            body = (f"<p>Thank you for your order at {html.escape(shop)}.</p>"
                    f"<p>{html.escape(order.product_name)} × {order.quantity}</p><ul>{items}</ul>"
                    f"<p>Order {html.escape(order.id)}: <a href=\"{html.escape(link)}\">{html.escape(link)}</a></p>")
        elif message.kind == "order_refunded":
            subject = f"Your order {order.id} at {shop} was refunded"
            if order.failure_reason == "merchant_refund":
                text = (f"{shop} refunded your order of {order.product_name}.\n"
                        f"Your payment has been refunded in full; the keys of this order no longer work.\n")
            else:
                text = (f"We are sorry: {order.product_name} sold out before your payment arrived.\n"
                        f"Your payment has been refunded in full.\n")
            body = f"<p>{html.escape(text)}</p>"
        else:
            self._outbox.mark_done(message, now=self._clock.now())
            return
        self._mailer.send(to=order.email, subject=subject, text=text, html=body)
        self._outbox.mark_done(message, now=self._clock.now())
