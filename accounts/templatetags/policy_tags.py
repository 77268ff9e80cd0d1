"""{% can "action" obj as allowed %}: templates ask accounts.policy, nothing else."""

from django import template

from accounts import policy

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, action: str, obj=None) -> bool:
    return policy.can(context["request"].user, action, obj)
